package dev.uvswap.netty;

import dev.uvswap.Region;

import java.util.BitSet;

/** One small-page region cut into equal slots of one size class. Guarded by its {@link SizeClass}. */
final class Slab {
    final Region region;
    final int slotSize;
    private final int slots;
    private final BitSet used;
    private int inUse;

    Slab(Region region, int slotSize) {
        this.region = region;
        this.slotSize = slotSize;
        this.slots = (int) (region.size() / slotSize);
        this.used = new BitSet(slots);
    }

    /** A free slot's index, now in use, or -1 when the slab is full. */
    int take() {
        int i = used.nextClearBit(0);
        if (i >= slots) {
            return -1;
        }
        used.set(i);
        inUse++;
        return i;
    }

    void give(int slot) {
        if (!used.get(slot)) {
            throw new IllegalStateException("slot " + slot + " of a " + slotSize + "-byte slab freed twice");
        }
        used.clear(slot);
        inUse--;
    }

    boolean isEmpty() {
        return inUse == 0;
    }

    boolean isFull() {
        return inUse == slots;
    }
}
