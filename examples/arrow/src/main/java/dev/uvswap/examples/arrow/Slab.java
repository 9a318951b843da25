package dev.uvswap.examples.arrow;

import dev.uvswap.Region;
import java.util.BitSet;

/**
 * One region cut into equal slots of one size class. Not thread safe: its {@link SizeClass}
 * guards it.
 */
final class Slab {

    private final SizeClass sizeClass;
    private final Region region;
    private final long base;
    private final int slots;
    private final BitSet used;
    private int usedCount;

    Slab(SizeClass sizeClass, Region region) {
        this.sizeClass = sizeClass;
        this.region = region;
        this.base = region.segment().address();
        this.slots = Math.toIntExact(region.size() / sizeClass.slotBytes());
        this.used = new BitSet(slots);
    }

    SizeClass sizeClass() {
        return sizeClass;
    }

    Region region() {
        return region;
    }

    long slotBytes() {
        return sizeClass.slotBytes();
    }

    long slotAddress(int index) {
        return base + index * sizeClass.slotBytes();
    }

    boolean hasRoom() {
        return usedCount < slots;
    }

    boolean isEmpty() {
        return usedCount == 0;
    }

    int usedSlots() {
        return usedCount;
    }

    /** Takes the lowest free slot: low slots first keeps the live data of a slab on few pages. */
    int take() {
        int i = used.nextClearBit(0);
        if (i >= slots) {
            throw new IllegalStateException("slab full");
        }
        used.set(i);
        usedCount++;
        return i;
    }

    void give(int index) {
        if (!used.get(index)) {
            throw new IllegalStateException("slot " + index + " of a " + sizeClass.slotBytes() + " B slab freed twice");
        }
        used.clear(index);
        usedCount--;
    }
}
