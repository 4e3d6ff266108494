// RUN: mica-opt %s -split-input-file -verify-diagnostics

// A segment cannot have a negative size.
// expected-error @+1 {{'exec.segment' op size must be non-negative, got -1}}
exec.segment @bad size -1
