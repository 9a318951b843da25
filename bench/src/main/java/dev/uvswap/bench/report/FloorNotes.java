package dev.uvswap.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** What the floors of one table could not be computed from and what they leave out: the notes under the table. */
final class FloorNotes {
    private final Set<String> absent = new TreeSet<>();
    private final Map<String, List<String>> caveats = new LinkedHashMap<>();

    Optional<Floors.Known> resolve(JmhResult r, JmhResults jmh) {
        Optional<Floors.Floor> floor = Floors.of(r);
        if (floor.isEmpty()) {
            return Optional.empty();
        }
        if (!floor.get().note().isEmpty()) {
            caveats.computeIfAbsent(floor.get().note(), k -> new ArrayList<>()).add(r.param("kind"));
        }
        return switch (Floors.resolve(floor.get(), jmh)) {
            case Floors.Known k -> Optional.of(k);
            case Floors.Missing m -> {
                m.absent().forEach(t -> absent.add("`" + t.benchmark() + "`" + t.params().entrySet().stream()
                        .sorted(Map.Entry.comparingByKey()).map(e -> " " + e.getKey() + "=" + e.getValue())
                        .reduce("", String::concat)));
                yield Optional.empty();
            }
        };
    }

    String render() {
        StringBuilder b = new StringBuilder();
        caveats.forEach((note, kinds) -> b.append("\n").append(String.join(", ", kinds))
                .append(": the floor ").append(note).append('.').append('\n'));
        if (!absent.isEmpty()) {
            b.append("\nn/a: the floor needs results that were not run: ").append(String.join(", ", absent))
                    .append(".\n");
        }
        return b.toString();
    }
}
