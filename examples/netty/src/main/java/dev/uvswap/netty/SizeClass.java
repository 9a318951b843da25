package dev.uvswap.netty;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The slabs of one slot size. Keeps at most one empty slab (so a buffer allocated and freed in a
 * loop does not map and unmap a region each time) and closes any other slab that empties.
 */
final class SizeClass {
    private final int slotSize;
    private final Supplier<Slab> newSlab;
    private final List<Slab> slabs = new ArrayList<>();

    SizeClass(int slotSize, Supplier<Slab> newSlab) {
        this.slotSize = slotSize;
        this.newSlab = newSlab;
    }

    int slotSize() {
        return slotSize;
    }

    /** A free slot, in the first slab that has one, or in a new slab. */
    synchronized Slot take() {
        for (Slab s : slabs) {
            if (!s.isFull()) {
                return new Slot(s, s.take());
            }
        }
        Slab s = newSlab.get();
        slabs.add(s);
        return new Slot(s, s.take());
    }

    synchronized void give(Slab slab, int slot) {
        slab.give(slot);
        if (slab.isEmpty() && slabs.stream().anyMatch(s -> s != slab && s.isEmpty())) {
            slabs.remove(slab);
            slab.region.close();
        }
    }

    synchronized int slabCount() {
        return slabs.size();
    }

    synchronized void closeAll() {
        slabs.forEach(s -> s.region.close());
        slabs.clear();
    }

    record Slot(Slab slab, int index) {
    }
}
