package dev.uvswap;

import dev.uvswap.internal.group.Account;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Group ids (12 bits in the slot owner table) go only to groups that were made. */
class GroupIdTest {
    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @Test
    void failedCreatesUseNoIds() {
        try (VSwap vswap = VSwap.builder().faultThreads(1).build()) {
            MemoryGroup parent = vswap.createGroup("parent");
            for (int i = 0; i < 5_000; i++) {
                assertThrows(NullPointerException.class, () -> vswap.createGroup(null));
                assertThrows(NullPointerException.class, () -> parent.createChild(null));
            }
            MemoryGroup g = vswap.createGroup("after failures");
            MemoryGroup c = parent.createChild("child after failures");
            assertEquals("after failures", g.name());
            assertSame(parent, c.parent());
            // Every id but the no-group one is still there to take: 4095 groups in all.
            List<MemoryGroup> more = new ArrayList<>();
            IllegalStateException full = assertThrows(IllegalStateException.class, () -> {
                for (;;) {
                    more.add(more.size() % 2 == 0 ? vswap.createGroup("g" + more.size()) : parent.createChild("c" + more.size()));
                }
            });
            assertTrue(full.getMessage().contains("too many memory groups"), full.getMessage());
            assertEquals(Account.MAX_ACCOUNTS - 1, 3 + more.size(), "groups made before the ids ran out");
            try (Region r = vswap.allocate(2 << 20, g)) {
                r.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 42);
                assertTrue(r.pageOut(0, r.size()) > 0);
                assertEquals(42, r.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG, 0));
            }
        }
    }
}
