package jdpo.report;

import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Collectors;

/**
 * Headless Chromium, driven through the system's chromedriver (Debian's {@code chromium} and
 * {@code chromium-driver} packages; {@code -Djdpo.chromedriver=PATH} and {@code -Djdpo.chromium=PATH}
 * point elsewhere). Both paths are given explicitly, so Selenium never looks for a driver on the
 * network.
 */
final class Browser implements AutoCloseable {
    final ChromeDriver driver;

    Browser(int width, int height) {
        Path driverPath = Path.of(System.getProperty("jdpo.chromedriver", "/usr/bin/chromedriver"));
        Path chromium = Path.of(System.getProperty("jdpo.chromium", "/usr/bin/chromium"));
        if (!Files.isExecutable(driverPath) || !Files.isExecutable(chromium)) {
            throw new AssertionError("the report's browser test needs headless Chromium: install Debian's chromium and "
                    + "chromium-driver (apt-get install chromium chromium-driver), or pass -Djdpo.chromedriver=PATH "
                    + "-Djdpo.chromium=PATH; looked for " + driverPath + " and " + chromium);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=" + width + "," + height);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(driverPath.toString())).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    /** Opens a local file. */
    void open(Path file) {
        driver.get(file.toAbsolutePath().toUri().toString());
    }

    /** Resizes the viewport (not the window) to exactly {@code width x height} CSS pixels. */
    void viewport(int width, int height) {
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", java.util.Map.of(
                "width", width, "height", height, "deviceScaleFactor", 1, "mobile", width < 600));
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** The browser console's warnings and errors since the last call. */
    List<String> consoleProblems() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue())
                .map(LogEntry::toString).collect(Collectors.toList());
    }

    @Override
    public void close() {
        driver.quit();
    }
}
