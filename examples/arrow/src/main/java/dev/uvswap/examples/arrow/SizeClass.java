package dev.uvswap.examples.arrow;

import dev.uvswap.Region;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The slabs of one slot size. A slab whose last slot is freed is closed (its memory returns to
 * uvswap at once, resident or swapped) unless it is the only slab with room left, which stays
 * to spare a region allocation for the next buffer of this size.
 */
final class SizeClass {

    private final long slotBytes;
    private final Supplier<Region> newSlabRegion;
    private final List<Slab> slabs = new ArrayList<>();
    private Slab current;   // the slab the last allocation came from: try it first

    SizeClass(long slotBytes, Supplier<Region> newSlabRegion) {
        this.slotBytes = slotBytes;
        this.newSlabRegion = newSlabRegion;
    }

    long slotBytes() {
        return slotBytes;
    }

    synchronized Backing.SlabSlot allocate() {
        if (current == null || !current.hasRoom()) {
            current = null;
            for (Slab s : slabs) {
                if (s.hasRoom()) {
                    current = s;
                    break;
                }
            }
            if (current == null) {
                current = new Slab(this, newSlabRegion.get());
                slabs.add(current);
            }
        }
        return new Backing.SlabSlot(current, current.take());
    }

    synchronized void free(Backing.SlabSlot slot) {
        Slab slab = slot.slab();
        slab.give(slot.index());
        if (slab.isEmpty() && slabs.stream().anyMatch(s -> s != slab && s.hasRoom())) {
            slabs.remove(slab);
            if (current == slab) {
                current = null;
            }
            slab.region().close();
        }
    }

    synchronized int slabCount() {
        return slabs.size();
    }

    synchronized long usedSlots() {
        return slabs.stream().mapToLong(Slab::usedSlots).sum();
    }

    synchronized void close() {
        slabs.forEach(s -> s.region().close());
        slabs.clear();
        current = null;
    }
}
