package jdpo.hardening;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code weights/gpt2/download.sh} with a stand-in {@code curl}: offline it says in one line that
 * the hub could not be reached (not curl's raw error), and when it succeeds its closing hint is a
 * command that works from the repository root.
 */
class DownloadScriptTest {
    @TempDir
    Path tmp;

    private Process run(String fakeCurl) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("weights/gpt2"));
        Path script = Files.copy(Path.of("weights/gpt2/download.sh"), dir.resolve("download.sh"));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path curl = Files.writeString(bin.resolve("curl"), "#!/usr/bin/env bash\n" + fakeCurl);
        Files.setPosixFilePermissions(curl, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString());
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        return pb.start();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void offlineIsOneLineSayingTheHubCouldNotBeReached() throws Exception {
        Process p = run("echo 'curl: (6) Could not resolve host: huggingface.co' >&2\nexit 6\n");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), err);
        List<String> lines = err.lines().toList();
        assertEquals(1, lines.size(), err);
        assertTrue(lines.get(0).startsWith("download.sh: could not reach the Hugging Face hub (https://huggingface.co)"), err);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theClosingHintWorksFromTheRepositoryRoot() throws Exception {
        byte[] model = "fake weights".getBytes(StandardCharsets.UTF_8), config = "{}\n".getBytes(StandardCharsets.UTF_8);
        String modelSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model));
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(("blob " + config.length + "\0").getBytes(StandardCharsets.UTF_8));
        String configBlob = HexFormat.of().formatHex(sha1.digest(config));
        String listing = "[{\"path\":\"model.safetensors\",\"oid\":\"x\",\"lfs\":{\"oid\":\"" + modelSha + "\"}},"
                + "{\"path\":\"config.json\",\"oid\":\"" + configBlob + "\"}]";
        // The stand-in serves the listing, or writes the file named by the URL to the -o path.
        Process p = run("out=''; url=''\nwhile [[ $# -gt 0 ]]; do case \"$1\" in -o) out=\"$2\"; shift 2;; -*) shift;; *) url=\"$1\"; shift;; esac; done\n"
                + "case \"$url\" in\n*/api/models/*) echo '" + listing + "';;\n"
                + "*model.safetensors) printf 'fake weights' > \"$out\";;\n*config.json) printf '{}\\n' > \"$out\";;\nesac\n");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out + err);
        String last = out.lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.contains("from the repository root, try: ./jdpo logprobs --model weights/gpt2 "), last);
    }
}
