package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * System calls that touch swapped-out pages: served when the userfaultfd also catches
 * kernel-mode faults, EFAULT with a user-mode-only one until the range is prefaulted.
 */
class KernelFaultModeTest {
    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    private static Path fileOf(int pages) throws IOException {
        Path f = Files.createTempFile("uvswap-io", ".bin");
        byte[] b = new byte[pages * 4096];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        Files.write(f, b);
        return f;
    }

    /** write(2) from swapped-out pages (the kernel reads them) and read(2) into them. */
    private static void syscallIo(Region r, Path f) throws IOException {
        MemorySegment seg = r.segment();
        ByteBuffer buf = seg.asSlice(0, 8 * 4096).asByteBuffer();
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            assertEquals(8 * 4096, ch.read(buf, 0));
        }
    }

    @Test
    void kernelModeServesSystemCallsIntoSwappedPages() throws IOException {
        try (VSwap vswap = VSwap.builder().build()) {
            assumeTrue(vswap.kernelFaultsHandled(),
                    "this process only gets a user-mode-only userfaultfd (needs root, /dev/userfaultfd access or vm.unprivileged_userfaultfd=1)");
            Path f = fileOf(8);
            try (Region r = vswap.allocate(1 << 21)) {
                PageData.HEAP_LIKE.fill(r.segment(), 0, 1);
                assertEquals(1, r.pageOut(0, 4096));
                syscallIo(r, f);    // page 0 swapped out, pages 1..7 never touched: all served in the kernel
                byte[] want = Files.readAllBytes(f);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], r.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, i));
                }
            } finally {
                Files.delete(f);
            }
        }
    }

    @Test
    void userModeOnlyFailsWithEfaultUntilPrefaulted() throws IOException {
        try (VSwap vswap = VSwap.builder().userModeOnly(true).build(); Region r = vswap.allocate(1 << 21)) {
            assertFalse(vswap.kernelFaultsHandled());
            Path f = fileOf(8);
            try {
                for (long p = 0; p < 8; p++) {
                    PageData.TEXT.fill(r.segment(), p, 2);
                }
                assertEquals(8, r.pageOut(0, 8 * 4096));
                IOException e = assertThrows(IOException.class, () -> syscallIo(r, f));
                assertTrue(e.getMessage().contains("Bad address"), e.getMessage());
                for (long p = 0; p < 8; p++) {
                    assertEquals(-1, PageData.TEXT.check(r.segment(), p, 2), "a failed read(2) changed nothing");
                }
                r.pageOut(0, 8 * 4096);
                assertEquals(8, r.prefault(0, 8 * 4096));
                syscallIo(r, f);
                byte[] want = Files.readAllBytes(f);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], r.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, i));
                }
            } finally {
                Files.delete(f);
            }
        }
    }
}
