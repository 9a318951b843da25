package dev.uvswap.modcheck;

import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;

import java.lang.management.ManagementFactory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import javax.management.ObjectName;

/**
 * An application of its own, on the class path, with uvswap on the module path (ModuleBoundaryTest
 * starts it): the runtime resolves as module dev.uvswap, its pages go out and come back byte for
 * byte, and its MBeans (in a package exported to java.management alone) register and answer.
 * Prints one "module ..." line and "OK", or throws.
 */
public final class ModulePathMain {
    private static final long MIB = 1 << 20;

    public static void main(String[] args) throws Exception {
        Module m = VSwap.class.getModule();
        if (!m.isNamed() || !m.getName().equals("dev.uvswap")) {
            throw new AssertionError("uvswap is not on the module path: " + m);
        }
        System.out.println("module " + m.getName() + " " + m.getDescriptor().exports());
        try (VSwap vswap = VSwap.builder().build(); Region r = vswap.allocate(8 * MIB, RegionOption.SMALL_PAGES)) {
            MemorySegment seg = r.segment();
            for (long w = 0; w < r.size() / 8; w++) {
                seg.set(ValueLayout.JAVA_LONG, w * 8, w * 31 + 7);
            }
            long out = r.pageOut(0, r.size());
            for (long w = 0; w < r.size() / 8; w++) {
                long v = seg.get(ValueLayout.JAVA_LONG, w * 8);
                if (v != w * 31 + 7) {
                    throw new AssertionError("word " + w + " reads " + v);
                }
            }
            System.out.println("paged out " + out + " pages; swapped in " + vswap.stats().pswpin() + " pages");
            if (out == 0 || vswap.stats().pswpin() == 0) {
                throw new AssertionError("nothing went through the swap: " + vswap.stats());
            }
            var server = ManagementFactory.getPlatformMBeanServer();
            long deadline = System.nanoTime() + 60_000_000_000L;   // registered on a background thread
            Set<ObjectName> names;
            while ((names = server.queryNames(new ObjectName("dev.uvswap:type=VSwap,*"), null)).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no uvswap MBean registered");
                }
                Thread.sleep(50);
            }
            ObjectName bean = names.iterator().next();
            System.out.println("MBean " + bean + " Pswpin=" + server.getAttribute(bean, "Pswpin"));
        }
        System.out.println("OK");
    }
}
