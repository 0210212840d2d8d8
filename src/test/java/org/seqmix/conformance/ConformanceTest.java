package org.seqmix.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every case under ../shared/conformance, every form: one dynamic test per case. */
class ConformanceTest {
    static final Path SHARED = Path.of("..", "shared", "conformance");

    @TestFactory
    Stream<DynamicTest> sharedCases() throws Exception {
        assumeTrue(Files.isDirectory(SHARED), "no ../shared/conformance folder: conformance cases skipped");
        Conformance conf = new Conformance();
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Conformance.findCases(List.of(SHARED))) {
            tests.add(DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                List<Conformance.Result> results = conf.run(dir);
                StringBuilder bad = new StringBuilder();
                boolean skipped = true;
                for (Conformance.Result r : results) {
                    if (r.status() != Conformance.Status.SKIP) skipped = false;
                    if (r.status() == Conformance.Status.FAIL || r.status() == Conformance.Status.ERROR) {
                        bad.append(Conformance.format(r)).append('\n');
                    }
                }
                assumeTrue(!skipped, "op not implemented: " + results.get(0).key());
                assertEquals("", bad.toString());
            }));
        }
        return tests.stream();
    }
}
