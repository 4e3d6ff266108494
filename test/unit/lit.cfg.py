# -*- Python -*-
# Runs every GoogleTest binary registered with mica_add_unittest().
import lit.formats

config.name = "Mica-Unit"
config.suffixes = []
config.test_source_root = config.unit_bin_dir
config.test_exec_root = config.unit_bin_dir
config.test_format = lit.formats.GoogleTest(".", "Test")
