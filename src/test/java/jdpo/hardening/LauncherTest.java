package jdpo.hardening;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code ./jdpo} launcher hands stderr to the JVM untouched: lines reach a redirected file as
 * they are printed (not when a filter's buffer fills or it exits), and the launcher's process is
 * the JVM's, so a signal reaches jdpo and nothing outlives it. Checked with a stand-in {@code java}
 * that prints ten lines to stderr and then waits, as a training run does.
 */
class LauncherTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void stderrReachesARedirectedFileLineByLine() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        Path launcher = Files.copy(Path.of("jdpo"), repo.resolve("jdpo"));
        Files.writeString(repo.resolve("pom.xml"), "<project/>\n");
        Files.setLastModifiedTime(repo.resolve("pom.xml"), FileTime.fromMillis(0));
        Path jar = Files.createDirectories(repo.resolve("target")).resolve("jdpo.jar");
        Files.writeString(jar, "a jar newer than the sources, so the launcher does not build");
        Path java = Files.createDirectories(tmp.resolve("jdk/bin")).resolve("java");
        Files.writeString(java, "#!/usr/bin/env bash\nfor i in $(seq 1 10); do echo \"step $i\" >&2; done\nexec sleep 60\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path log = tmp.resolve("stderr.log");

        ProcessBuilder pb = new ProcessBuilder("bash", launcher.toString(), "train").redirectError(log.toFile());
        pb.environment().put("JAVA_HOME", tmp.resolve("jdk").toString());
        Process p = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            List<String> lines = List.of();
            while (System.nanoTime() < deadline) {
                lines = Files.readAllLines(log).stream().filter(l -> l.startsWith("step ")).toList();
                if (lines.size() == 10) break;
                Thread.sleep(50);
            }
            assertEquals(10, lines.size(), "stderr lines in the file while the program runs: " + lines);
            p.destroy(); // SIGTERM to the launcher's process, which must be the program itself
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            assertTrue(p.descendants().findAny().isEmpty(), "nothing outlives the program");
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
