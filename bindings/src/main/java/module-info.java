/**
 * The FFM bindings of uvswap: jextract's output for {@code native/include/uvswap.h}, the userfaultfd
 * definitions and the few libc calls the runtime makes, plus the loader of libuvswap.so. Only the
 * runtime reads them (and the benchmarks, for the raw userfaultfd floor); nothing here is API.
 */
module dev.uvswap.bindings {
    exports dev.uvswap.bindings to dev.uvswap, dev.uvswap.bench;
    exports dev.uvswap.bindings.libc to dev.uvswap, dev.uvswap.bench;
    exports dev.uvswap.bindings.uffd to dev.uvswap, dev.uvswap.bench;
    exports dev.uvswap.bindings.uvswap to dev.uvswap, dev.uvswap.bench;
}
