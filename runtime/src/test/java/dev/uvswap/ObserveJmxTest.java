package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.uvswap.internal.observe.Observed;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** A VSwap and its groups in the platform MBean server: found, readable, limits settable, gone on close. */
class ObserveJmxTest {
    private static final long PAGES = 512;
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @Test
    void theMBeansShowTheCountersTakeLimitsAndLeaveOnClose() throws Exception {
        ObjectName vswapName = new ObjectName("dev.uvswap:type=VSwap,name=jmx-test");
        ObjectName groupName = new ObjectName("dev.uvswap:type=MemoryGroup,vswap=jmx-test,name=cache");
        ObjectName childName = new ObjectName("dev.uvswap:type=MemoryGroup,vswap=jmx-test,name=cache/index");
        try (VSwap vswap = VSwap.builder().name("jmx-test").faultThreads(1).build()) {
            assertEquals("jmx-test", vswap.name());
            MemoryGroup cache = vswap.createGroup("cache");
            MemoryGroup index = cache.createChild("index");
            Observed.awaitPublished();   // registered in the background: build() does not wait for JMX
            Set<ObjectName> found = server.queryNames(new ObjectName("dev.uvswap:vswap=jmx-test,*"), null);
            assertEquals(Set.of(groupName, childName), found);
            assertTrue(server.isRegistered(vswapName));

            Region r = vswap.allocate(PAGES * 4096, index, RegionOption.SMALL_PAGES);
            PageData.fillMixed(r, PAGES, 5);
            assertEquals(PAGES, r.pageOut(0, r.size()));
            PageData.assertMixed(r, PAGES, 5);

            VSwapStats s = vswap.stats();
            AttributeList read = server.getAttributes(vswapName,
                    new String[] {"Name", "Pswpout", "Pswpin", "PoolMaxBytes", "FaultsZswap", "KernelFaultsHandled",
                            "FaultLatencyZswapP99Nanos", "Summary", "BackgroundErrors"});
            assertEquals(9, read.size(), "every attribute asked for is there: " + read);
            assertEquals("jmx-test", value(read, "Name"));
            assertEquals(s.pswpout(), value(read, "Pswpout"));
            assertEquals(s.pswpin(), value(read, "Pswpin"));
            assertEquals(s.poolMaxBytes(), value(read, "PoolMaxBytes"));
            assertEquals(s.faults(FaultKind.ZSWAP), value(read, "FaultsZswap"));
            assertEquals(s.kernelFaultsHandled(), value(read, "KernelFaultsHandled"));
            assertEquals(s.faultLatency().get(FaultKind.ZSWAP).p99Nanos(), value(read, "FaultLatencyZswapP99Nanos"));
            assertTrue(((String) value(read, "Summary")).contains("swap out"));
            // Every record component is an attribute.
            for (var c : VSwapStats.class.getRecordComponents()) {
                if (c.getType().isPrimitive()) {
                    String n = Character.toUpperCase(c.getName().charAt(0)) + c.getName().substring(1);
                    assertNotNull(server.getAttribute(vswapName, n), n);
                }
            }

            assertEquals(PAGES, (long) server.getAttribute(childName, "Refaults"));
            assertEquals("cache/index", server.getAttribute(childName, "Path"));
            assertEquals(index.memoryCurrent(), (long) server.getAttribute(childName, "MemoryCurrent"));
            assertEquals(MemoryGroup.UNLIMITED, (long) server.getAttribute(groupName, "MemoryMax"));
            server.setAttribute(groupName, new Attribute("MemoryMax", 64L << 20));
            assertEquals(64L << 20, cache.memoryMax(), "memoryMax set through JMX is the group's limit");
            server.setAttribute(childName, new Attribute("ZswapMax", 1L << 20));
            assertEquals(1L << 20, index.zswapMax());
            server.setAttribute(groupName, new Attribute("ZswapWriteback", false));
            assertFalse(cache.zswapWriteback());
            server.setAttribute(vswapName, new Attribute("ZswapMaxBytes", 32L << 20));
            assertEquals(32L << 20, vswap.stats().zswapMaxBytes());
            assertFalse((boolean) server.getAttribute(groupName, "Held"));
        }
        Observed.awaitPublished();
        assertFalse(server.isRegistered(vswapName), "unregistered on close");
        assertTrue(server.queryNames(new ObjectName("dev.uvswap:vswap=jmx-test,*"), null).isEmpty());
    }

    @Test
    void defaultNamesAreDistinctAndATakenNameGetsASuffix() throws Exception {
        try (VSwap a = VSwap.builder().faultThreads(1).build();
             VSwap b = VSwap.builder().faultThreads(1).build();
             VSwap c = VSwap.builder().name("twin").faultThreads(1).build();
             VSwap d = VSwap.builder().name("twin").faultThreads(1).build()) {
            Observed.awaitPublished();
            assertTrue(a.name().matches("vswap-\\d+"), a.name());
            assertNotEquals(a.name(), b.name());
            assertTrue(server.isRegistered(new ObjectName("dev.uvswap:type=VSwap,name=" + a.name())));
            assertTrue(server.isRegistered(new ObjectName("dev.uvswap:type=VSwap,name=twin")));
            assertTrue(server.isRegistered(new ObjectName("dev.uvswap:type=VSwap,name=twin (2)")));
            d.createGroup("g");
            Observed.awaitPublished();
            assertTrue(server.isRegistered(new ObjectName("dev.uvswap:type=MemoryGroup,vswap=twin (2),name=g")));
            assertTrue(a.toString().contains(a.name()));
        }
        Observed.awaitPublished();
        assertTrue(server.queryNames(new ObjectName("dev.uvswap:name=twin*,*"), null).isEmpty());
    }

    @Test
    void aNameThatNeedsQuotingIsQuoted() throws Exception {
        try (VSwap v = VSwap.builder().name("a,b=c").faultThreads(1).build()) {
            v.createGroup("x:y");
            Observed.awaitPublished();
            assertTrue(server.isRegistered(new ObjectName("dev.uvswap:type=VSwap,name=" + ObjectName.quote("a,b=c"))));
            assertTrue(server.isRegistered(new ObjectName("dev.uvswap:type=MemoryGroup,vswap=" + ObjectName.quote("a,b=c")
                    + ",name=" + ObjectName.quote("x:y"))));
        }
    }

    private static Object value(AttributeList list, String name) {
        return list.asList().stream().filter(a -> a.getName().equals(name)).findFirst().orElseThrow().getValue();
    }
}
