package dev.uvswap.examples.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uvswap.FaultMode;
import dev.uvswap.MemoryGroup;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.BufferLedger;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Arrow IPC straight from and into uvswap memory: the kernel itself reads swapped-out vector
 * pages (write(2) of the stream) and writes never-touched ones (read(2) of it back). That needs
 * faults inside system calls to be served: fault-server threads, which an in-thread VSwap gets
 * per region with {@link RegionOption#FAULTS_ON_SERVERS}.
 */
class ArrowIpcOverSwappedBuffersTest {

    private static final int ROWS = 2_000_000;   // 32 MB of values

    /**
     * Without FAULTS_ON_SERVERS an in-thread region cannot feed write(2) while its pages are out
     * (EFAULT, FaultMode.IN_THREAD's documented limit); prefaulting the region first is the way.
     */
    @Test
    void inThreadRegionsNeedAPrefaultBeforeTheKernelReadsThem(@TempDir Path dir) throws Exception {
        try (VSwap vswap = VSwap.builder().faultMode(FaultMode.IN_THREAD).faultThreads(1).build()) {
            MemoryGroup group = vswap.createGroup("ipc-in-thread");
            try (UvswapAllocationFactory factory = UvswapAllocationManager.factory(vswap, group);
                 BufferAllocator root = new RootAllocator(RootAllocator.configBuilder().allocationManagerFactory(factory).build());
                 BigIntVector id = new BigIntVector("id", root)) {
                id.allocateNew(ROWS);
                for (int i = 0; i < ROWS; i++) {
                    id.set(i, Rows.id(i));
                }
                id.setValueCount(ROWS);
                vswap.reclaim(group, Long.MAX_VALUE);
                Region region = ((Backing.DedicatedRegion) ((UvswapAllocationManager)
                        ((BufferLedger) id.getDataBuffer().getReferenceManager()).getAllocationManager()).backing()).region();
                assertTrue(region.residentBytes() < region.size() / 4, "swapped out: " + region.residentBytes());

                try (FileChannel out = FileChannel.open(dir.resolve("a"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    IOException e = assertThrows(IOException.class, () -> out.write(id.getDataBuffer().nioBuffer(0, ROWS * 8)));
                    assertTrue(String.valueOf(e.getMessage()).contains("Bad address"), e.toString());
                }
                region.prefault(0, region.size());
                try (FileChannel out = FileChannel.open(dir.resolve("b"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        StandardOpenOption.READ)) {
                    ByteBuffer src = id.getDataBuffer().nioBuffer(0, ROWS * 8);
                    while (src.hasRemaining()) {
                        out.write(src);
                    }
                    ByteBuffer back = ByteBuffer.allocate(ROWS * 8).order(ByteOrder.LITTLE_ENDIAN);
                    out.read(back, 0);
                    for (int i = 0; i < ROWS; i++) {
                        assertEquals(Rows.id(i), back.getLong(i * 8), "row " + i);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void aStreamWrittenFromSwappedOutVectorsReadsBackWhole(FaultMode vswapMode, @TempDir Path dir) throws Exception {
        try (VSwap vswap = VSwap.builder().faultMode(vswapMode).faultThreads(1).build()) {
            Assumptions.assumeTrue(vswap.kernelFaultsHandled(),
                    "this userfaultfd serves user-mode faults only: the kernel cannot fault swapped pages in for I/O");
            MemoryGroup group = vswap.createGroup("ipc");
            RegionOption[] options = vswapMode == FaultMode.IN_THREAD
                    ? new RegionOption[] {RegionOption.FAULTS_ON_SERVERS} : new RegionOption[0];
            Path file = dir.resolve("batch.arrows");
            try (UvswapAllocationFactory factory = UvswapAllocationManager.factory(vswap, group, options);
                 BufferAllocator root = new RootAllocator(RootAllocator.configBuilder().allocationManagerFactory(factory).build())) {
                try (BigIntVector id = new BigIntVector("id", root); Float8Vector price = new Float8Vector("price", root)) {
                    id.allocateNew(ROWS);
                    price.allocateNew(ROWS);
                    for (int i = 0; i < ROWS; i++) {
                        id.set(i, Rows.id(i));
                        price.set(i, Rows.price(i));
                    }
                    id.setValueCount(ROWS);
                    price.setValueCount(ROWS);
                    long before = group.memoryCurrent();
                    vswap.reclaim(group, Long.MAX_VALUE);
                    assertTrue(group.memoryCurrent() < before / 4, "swapped out: " + group.memoryCurrent() + " of " + before);

                    try (VectorSchemaRoot batch = new VectorSchemaRoot(List.of(id.getField(), price.getField()), List.of(id, price), ROWS);
                         FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                         ArrowStreamWriter writer = new ArrowStreamWriter(batch, null, out)) {
                        writer.start();
                        writer.writeBatch();
                        writer.end();
                    }
                }
                assertTrue(Files.size(file) > ROWS * 16L, "stream of " + Files.size(file) + " bytes");

                try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
                     ArrowStreamReader reader = new ArrowStreamReader(in, root)) {
                    assertTrue(reader.loadNextBatch());
                    VectorSchemaRoot batch = reader.getVectorSchemaRoot();
                    assertEquals(ROWS, batch.getRowCount());
                    vswap.reclaim(group, Long.MAX_VALUE);   // what read(2) wrote must survive a round trip too
                    BigIntVector id = (BigIntVector) batch.getVector("id");
                    Float8Vector price = (Float8Vector) batch.getVector("price");
                    long wrong = 0;
                    for (int i = 0; i < ROWS; i++) {
                        if (id.isNull(i) || price.isNull(i) || id.get(i) != Rows.id(i) || price.get(i) != Rows.price(i)) {
                            wrong++;
                        }
                    }
                    assertEquals(0, wrong, "rows read back wrong");
                }
                assertEquals(0, factory.usage().openRegions());
            }
        }
    }
}
