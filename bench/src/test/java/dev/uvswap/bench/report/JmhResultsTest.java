package dev.uvswap.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JmhResultsTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryEntryOfARealRunInMicroseconds() {
        List<String> notes = new ArrayList<>();
        JmhResults jmh = JmhResults.load(List.of(Fixtures.jmh()), notes);
        assertEquals(List.of(), notes);
        List<JsonNode> tree = Fixtures.jmhTree();
        assertEquals(tree.size(), jmh.all().size());
        JsonNode first = tree.getFirst();
        assertEquals("JMH " + first.get("jmhVersion").asText() + ", JDK " + first.get("jdkVersion").asText() + " ("
                + first.get("vmName").asText() + " " + first.get("vmVersion").asText() + ")", jmh.environment());

        for (JsonNode e : tree) {
            JsonNode metric = e.get("primaryMetric");
            double toMicros = switch (metric.get("scoreUnit").asText()) {
                case "us/op" -> 1;
                case "ms/op" -> 1000;
                default -> throw new AssertionError("unexpected unit in the fixture: " + metric.get("scoreUnit"));
            };
            String[] name = e.get("benchmark").asText().split("\\.");
            Map<String, String> params = new java.util.LinkedHashMap<>();
            e.path("params").properties().forEach(p -> params.put(p.getKey(), p.getValue().asText()));
            JmhResult r = jmh.find(name[name.length - 2] + "." + name[name.length - 1], params).orElseThrow();
            assertEquals(params, r.params());
            assertEquals(metric.get("score").asDouble() * toMicros, r.mean(), 1e-9 * r.mean());
            assertEquals(Fixtures.p50(e) * toMicros, r.p50(), 1e-9 * r.p50());
            assertEquals(metric.get("scorePercentiles").get("99.0").asDouble() * toMicros, r.p(99), 1e-9 * r.p(99));
            long samples = 0;
            for (JsonNode fork : metric.path("rawDataHistogram")) {
                for (JsonNode iteration : fork) {
                    for (JsonNode bucket : iteration) {
                        samples += bucket.get(1).asLong();
                    }
                }
            }
            for (JsonNode fork : metric.path("rawData")) {
                samples += fork.size();
            }
            assertEquals(samples, r.samples(), r.id());
            assertTrue(samples > 0, r.id());
            // JMH writes a NaN error as the string "NaN".
            if (metric.get("scoreError").isTextual()) {
                assertTrue(Double.isNaN(r.error()), r.id());
            } else {
                assertEquals(metric.get("scoreError").asDouble() * toMicros, r.error(), 1e-9 * Math.abs(r.error()));
            }
        }
    }

    @Test
    void aBadFileCostsANoteNotTheReport() throws IOException {
        Path blank = Files.writeString(dir.resolve("blank.json"), "  \n");
        Path broken = Files.writeString(dir.resolve("broken.json"), "[ { \"benchmark\" : ");
        Path empty = Files.writeString(dir.resolve("empty.json"), "[]");
        Path throughput = Files.writeString(dir.resolve("thrpt.json"), """
                [ { "benchmark" : "a.b.SomeBench.run", "mode" : "thrpt",
                    "primaryMetric" : { "score" : 12.5, "scoreError" : 0.1, "scoreUnit" : "ops/s" } } ]""");
        List<String> notes = new ArrayList<>();
        JmhResults jmh = JmhResults.load(List.of(blank, broken, empty, throughput, dir.resolve("missing.json")), notes);
        assertTrue(jmh.isEmpty());
        assertEquals(5, notes.size(), notes.toString());
        assertTrue(notes.get(0).contains("is empty"), notes.get(0));
        assertTrue(notes.get(1).contains("could not be read"), notes.get(1));
        assertTrue(notes.get(2).contains("holds no JMH results"), notes.get(2));
        assertTrue(notes.get(3).contains("ops/s, not a time per operation"), notes.get(3));
        assertTrue(notes.get(4).contains("does not exist"), notes.get(4));
    }

    @Test
    void aLaterFileReplacesAnEarlierResult() throws IOException {
        String entry = """
                [ { "benchmark" : "x.FreeBench.free", "mode" : "ss", "params" : { "kind" : "RESIDENT" },
                    "primaryMetric" : { "score" : %s, "scoreError" : "NaN", "scoreUnit" : "ms/op",
                                        "scorePercentiles" : { "50.0" : %s }, "rawData" : [ [ 1.0, 2.0, 3.0 ] ] } } ]""";
        Path a = Files.writeString(dir.resolve("a.json"), entry.formatted("2.0", "2.0"));
        Path b = Files.writeString(dir.resolve("b.json"), entry.formatted("5.0", "4.0"));
        List<String> notes = new ArrayList<>();
        JmhResults jmh = JmhResults.load(List.of(a, b), notes);
        JmhResult r = jmh.find("FreeBench.free", Map.of("kind", "RESIDENT")).orElseThrow();
        assertEquals(5000, r.mean());
        assertEquals(4000, r.p50());
        assertEquals(3, r.samples());
        assertEquals("b.json", r.source());
        assertEquals(1, notes.size(), notes.toString());
        assertTrue(notes.getFirst().contains("the later is used"));
    }
}
