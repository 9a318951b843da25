package dev.uvswap.examples.arrow;

import dev.uvswap.Region;

/** The memory behind one {@link UvswapAllocationManager}: a whole region, or a slot of a slab. */
public sealed interface Backing {

    /** Address of the first byte; valid until {@link #release()}. */
    long address();

    /** Bytes available at {@link #address()} (at least what Arrow asked for). */
    long capacity();

    /** Gives the memory back; called once, by Arrow, when the last reference goes. */
    void release();

    /** A region of its own: its pages leave memory and come back independently of anyone else's. */
    record DedicatedRegion(Region region, UvswapAllocationFactory owner) implements Backing {
        @Override
        public long address() {
            return region.segment().address();
        }

        @Override
        public long capacity() {
            return region.size();
        }

        @Override
        public void release() {
            owner.releaseRegion(region);
        }
    }

    /** Slot {@code index} of a slab whose slots are {@code slab.slotBytes()} each. */
    record SlabSlot(Slab slab, int index) implements Backing {
        @Override
        public long address() {
            return slab.slotAddress(index);
        }

        @Override
        public long capacity() {
            return slab.slotBytes();
        }

        @Override
        public void release() {
            slab.sizeClass().free(this);
        }
    }
}
