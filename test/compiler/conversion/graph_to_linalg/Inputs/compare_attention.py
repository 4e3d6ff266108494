"""attention_e2e.test's check: per model, the fused build's output against
torch's and against the build with --fuse-attention=false (relative to the
largest output), and how many attention loops the kernel trace shows."""
import sys

import numpy as np

out = sys.argv[1]
for name in sys.argv[2:]:
    ref = np.load("%s/%s.ref.npy" % (out, name))
    fused = np.load("%s/%s.fused/out.npy" % (out, name))
    plain = np.load("%s/%s.plain/out.npy" % (out, name))
    scale = np.abs(ref).max()
    close = lambda a, b, tol: "ok" if np.abs(a - b).max() <= tol * scale \
        else "differs by %g" % (np.abs(a - b).max() / scale)
    trace = open("%s/%s.trace" % (out, name)).read()
    # Two products per loop: the main blocks and the last one.
    loops = trace.count('linalg.matmul at loc(fused<"attention">') // 2
    print("%s loops=%d torch=%s unfused=%s" % (
        name, loops, close(fused, ref, 1e-5), close(fused, plain, 1e-6)))
