package dev.uvswap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Pages of text records, as an off-heap store of serialized values holds them: the same field
 * names and layout on every page, different values. What a zstd dictionary is for: one 4 KiB
 * page alone cannot learn the schema, a dictionary trained on many pages can. Two schemas, so a
 * second dictionary differs from the first.
 */
public enum RecordPages {
    JSON {
        @Override
        void record(StringBuilder b, SplittableRandom r) {
            int id = r.nextInt(1_000_000);
            b.append("{\"id\":").append(id).append(",\"user\":\"user").append(r.nextInt(100_000))
                    .append("\",\"email\":\"u").append(id).append("@example.com\",\"balance\":")
                    .append(r.nextInt(100_000)).append('.').append(r.nextInt(10)).append(r.nextInt(10))
                    .append(",\"active\":").append(r.nextBoolean()).append(",\"tags\":[\"")
                    .append(TAGS[r.nextInt(TAGS.length)]).append("\"]}\n");
        }
    },
    XML {
        @Override
        void record(StringBuilder b, SplittableRandom r) {
            b.append("<row><sku>SKU-").append(r.nextInt(1_000_000)).append("</sku><price currency=\"EUR\">")
                    .append(r.nextInt(10_000)).append("</price><warehouse>").append(WAREHOUSES[r.nextInt(WAREHOUSES.length)])
                    .append("</warehouse><qty>").append(r.nextInt(500)).append("</qty></row>\n");
        }
    };

    private static final String[] TAGS = {"gold", "silver", "bronze", "trial", "churned", "vip"};
    private static final String[] WAREHOUSES = {"berlin-north", "lyon-east", "porto-docks", "gdansk-port"};

    abstract void record(StringBuilder b, SplittableRandom r);

    /** Page {@code page}'s bytes for {@code seed}: records until the page is full, then spaces. */
    public byte[] page(long page, long seed) {
        // Seeds a small integer apart: seeds a multiple of SplittableRandom's gamma apart would
        // make one page's numbers another's shifted by one, and a dictionary would learn them.
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + page);
        StringBuilder b = new StringBuilder(4200);
        while (b.length() < 4096) {
            record(b, r);
        }
        byte[] bytes = new byte[4096];
        System.arraycopy(b.toString().getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, 4096);
        return bytes;
    }

    public void fill(MemorySegment seg, long pages, long seed) {
        for (long p = 0; p < pages; p++) {
            MemorySegment.copy(page(p, seed), 0, seg, ValueLayout.JAVA_BYTE, p * 4096, 4096);
        }
    }

    /** The first page that differs from what {@link #fill} wrote, or -1. */
    public long firstWrong(MemorySegment seg, long pages, long seed) {
        for (long p = 0; p < pages; p++) {
            if (MemorySegment.mismatch(MemorySegment.ofArray(page(p, seed)), 0, 4096, seg, p * 4096, p * 4096 + 4096) >= 0) {
                return p;
            }
        }
        return -1;
    }
}
