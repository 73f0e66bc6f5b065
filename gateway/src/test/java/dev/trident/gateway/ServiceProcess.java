package dev.trident.gateway;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One of the suite's services, run from its executable jar as its own process, as ops/up runs it. */
final class ServiceProcess implements AutoCloseable {

    private final String name;
    private final int port;
    private final Path log;
    private final Process process;

    private ServiceProcess(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
    }

    /** Starts {@code name} from the jar named by system property {@code trident.it.<name>-jar}. */
    static ServiceProcess start(String name, Map<String, String> environment) throws IOException {
        return start(name, name, environment);
    }

    /** Starts one replica of {@code name}, logging to {@code target/it-logs/<logName>.log}. */
    static ServiceProcess start(String name, String logName, Map<String, String> environment) throws IOException {
        String jarProperty = "trident.it." + name + "-jar";
        Path jar = Path.of(System.getProperty(jarProperty, "missing"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(name + " jar not found at " + jar + " (" + jarProperty
                    + "); run the build from the root: ./mvnw verify");
        }
        int port = freePort();
        Path log = Path.of("target", "it-logs", logName + ".log");
        Files.createDirectories(log.getParent());
        // Not -XX:TieredStopAtLevel=1 for a faster start: without C2 the Vector API is not compiled to vector
        // instructions, and a real model's forward pass becomes a hundred times slower.
        ProcessBuilder builder = new ProcessBuilder(List.of(
                System.getProperty("trident.it.java", "java"),
                "--add-modules", "jdk.incubator.vector", "-Xshare:auto",
                "-jar", jar.toString(), "--server.port=" + port))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return new ServiceProcess(name, port, log, builder.start());
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    String name() {
        return name;
    }

    /** Waits until the service's health endpoint says UP. */
    void awaitHealthy(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log.toAbsolutePath());
            }
            try {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(url().resolve("/actuator/health"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200 && health.body().contains("\"UP\"")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(name + " not healthy within " + timeout + "; see " + log.toAbsolutePath());
    }

    /** SIGTERM and wait, as Ctrl-C in ops/up does. */
    @Override
    public void close() throws InterruptedException {
        beginStop();
        awaitStopped();
    }

    /**
     * Stops {@code services} side by side: SIGTERM to all, then waits for each. One after another, a service slow to
     * shut down (a long request, a database already gone) could hold the others past the time failsafe gives the
     * test JVM to exit, and they would outlive the build.
     */
    static void stopAll(Collection<ServiceProcess> services) throws InterruptedException {
        services.forEach(ServiceProcess::beginStop);
        for (ServiceProcess service : services) {
            service.awaitStopped();
        }
    }

    private void beginStop() {
        process.destroy();
    }

    /** Waits for the exit after {@link #beginStop()}; kills the process if it has not exited within 30 s. */
    private void awaitStopped() throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
