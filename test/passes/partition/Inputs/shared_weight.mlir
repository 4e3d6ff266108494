module {
  exec.segment @constants size 448 data dense_resource<shared> : tensor<448xi8>
  func.func @main(%ctx: !llvm.ptr, %seg: memref<?xi8>, %arena: memref<?xi8>, %in: memref<32xf32>, %out: memref<?xi8>, %dims: memref<1xi64>) {
    %c0 = arith.constant 0 : index
    %c128 = arith.constant 128 : index
    %c192 = arith.constant 192 : index
    %c256 = arith.constant 256 : index
    %c320 = arith.constant 320 : index
    %w0 = memref.view %seg[%c0][] : memref<?xi8> to memref<32xf32>
    %w1 = memref.view %seg[%c128][] : memref<?xi8> to memref<16xf32>
    %shared = memref.view %seg[%c192][] : memref<?xi8> to memref<16xf32>
    %w2 = memref.view %seg[%c256][] : memref<?xi8> to memref<16xf32>
    %w3 = memref.view %seg[%c320][] : memref<?xi8> to memref<32xf32>
    %a = memref.view %arena[%c0][] : memref<?xi8> to memref<32xf32>
    %lo = memref.subview %a[0] [16] [1] : memref<32xf32> to memref<16xf32, strided<[1]>>
    %hi = memref.subview %a[16] [16] [1] : memref<32xf32> to memref<16xf32, strided<[1], offset: 16>>
    %o = memref.view %out[%c0][] : memref<?xi8> to memref<32xf32>
    linalg.add ins(%in, %w0 : memref<32xf32>, memref<32xf32>) outs(%a : memref<32xf32>) loc("n0"(fused<"ai.onnx::Add">["m.onnx":0:0]))
    linalg.add ins(%w1, %shared : memref<16xf32>, memref<16xf32>) outs(%lo : memref<16xf32, strided<[1]>>) loc("n1"(fused<"ai.onnx::MatMul">["m.onnx":0:0]))
    linalg.add ins(%shared, %w2 : memref<16xf32>, memref<16xf32>) outs(%hi : memref<16xf32, strided<[1], offset: 16>>) loc("n1"(fused<"ai.onnx::MatMul">["m.onnx":0:0]))
    linalg.add ins(%a, %w3 : memref<32xf32>, memref<32xf32>) outs(%o : memref<32xf32>) loc("n3"(fused<"ai.onnx::Add">["m.onnx":0:0]))
    return
  }
  exec.entry_point "main" function @main arena 128 intermediates 128 attributes {input_shapes = [array<i64: 32>], input_max_shapes = [array<i64: 32>], output_max_shapes = [array<i64: 32>], output_elem_bytes = array<i64: 4>} {
    exec.step target "host" kernel "mica_main" segments [@constants]
  }
}
{-#
  dialect_resources: { builtin: { shared: "0x04000000000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9FA0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFE0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FA000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9FA0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C3C4" } }
#-}
