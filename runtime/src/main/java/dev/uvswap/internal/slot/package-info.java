/**
 * The virtual slot space: vslots, their clusters and their descriptor words.
 *
 * <p><b>Memory order, named and commented the same way in Java and in C.</b> A word that another
 * thread (a Java thread or a libuvswap pthread) can reach is accessed in one of five ways, and the
 * method or helper says which: <em>plain</em> (no ordering; only for memory no one else can reach
 * yet, or guarded by a lock), <em>opaque</em> (atomic, unordered: counters and statistics),
 * <em>acquire</em> (a load that also sees everything its writer did before the matching release:
 * used when the value hands this thread other memory, such as the pool bytes a ZSWAP descriptor
 * names), <em>release</em> (a store that publishes everything written before it: used when the
 * value hands other memory to a reader), and <em>volatile CAS</em> (a state transition: the winner
 * owns it, the loser undoes only its own side effects).  Who writes which word: a descriptor is
 * written by Java only through {@link dev.uvswap.internal.slot.SlotTransitions}, one method per
 * edge (CACHE to ZSWAP, ZERO or FILE after compression, writeback's and swapoff's edges, and the
 * reset to NONE of a closed region's slot before {@link dev.uvswap.internal.slot.SlotSpace#free}), by
 * {@code uvs_evict} when it publishes CACHE, and by the fault servers and {@code uvs_compress},
 * which claim it (CAS to BUSY) and restore or replace it with a release store; a region page-map
 * word is written by C only, except by Java on a closed region; a completion ring's tail is
 * released by its fault server and its head by Java's drainer.  Every acquire, release and CAS in
 * either language, and every lock acquisition and release, carries a one-line comment saying what
 * it orders or what its winner owns.  The state table, with every C and Java edge: docs/slots.md.
 */
package dev.uvswap.internal.slot;
