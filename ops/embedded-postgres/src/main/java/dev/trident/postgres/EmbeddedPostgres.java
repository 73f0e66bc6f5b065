package dev.trident.postgres;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from zonky's binaries, run as a child process on 127.0.0.1.
 *
 * <p>We drive {@code initdb} and {@code postgres} ourselves instead of through zonky's {@code EmbeddedPostgres}
 * because PostgreSQL refuses to run as root, and the machines here run everything as root: when the JVM is root,
 * the server runs inside a user namespace ({@code unshare --user}) where it is an ordinary user. The data
 * directory is kept between starts unless {@link Settings#ephemeral()} asks for a fresh one.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    public static final String SUPERUSER = "postgres";
    public static final String DATABASE = "postgres";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    /**
     * @param dataDirectory where the cluster lives (created by initdb when empty or missing)
     * @param port          TCP port on 127.0.0.1; 0 picks a free one
     * @param ephemeral     wipe the data directory before the first start and skip fsync (tests)
     */
    public record Settings(Path dataDirectory, int port, boolean ephemeral) {
        public Settings {
            dataDirectory = dataDirectory.toAbsolutePath().normalize();
        }
    }

    private final Settings settings;
    private final Path binaries;
    private final Path logFile;
    private final int port;
    private Process server;

    private EmbeddedPostgres(Settings settings, Path binaries, int port) {
        this.settings = settings;
        this.binaries = binaries;
        this.port = port;
        this.logFile = settings.dataDirectory().resolveSibling(settings.dataDirectory().getFileName() + ".log");
    }

    /** Prepares the binaries and the cluster, then starts the server and waits until it accepts connections. */
    public static EmbeddedPostgres start(Settings settings) throws IOException {
        Path binaries = extractBinaries();
        int port = settings.port() == 0 ? freePort() : settings.port();
        EmbeddedPostgres postgres = new EmbeddedPostgres(settings, binaries, port);
        if (settings.ephemeral()) {
            deleteRecursively(settings.dataDirectory());
        }
        postgres.initdbIfNeeded();
        postgres.startServer();
        return postgres;
    }

    public int port() {
        return port;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public Path dataDirectory() {
        return settings.dataDirectory();
    }

    public Path logFile() {
        return logFile;
    }

    public synchronized boolean isRunning() {
        return server != null && server.isAlive();
    }

    /** Starts the server again on the same port and data directory after {@link #stop()}. */
    public synchronized void restart() throws IOException {
        if (!isRunning()) {
            startServer();
        }
    }

    /** Fast shutdown (SIGINT): open sessions are ended, the cluster is left consistent, no lock file remains. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            if (server.isAlive()) {
                signal(server.pid(), "INT");
                if (!server.waitFor(SHUTDOWN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    signal(server.pid(), "QUIT");
                    if (!server.waitFor(5, TimeUnit.SECONDS)) {
                        server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.destroyForcibly();
        } finally {
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void initdbIfNeeded() throws IOException {
        Path dataDir = settings.dataDirectory();
        if (Files.exists(dataDir.resolve("PG_VERSION"))) {
            return;
        }
        if (Files.exists(dataDir)) {
            try (Stream<Path> entries = Files.list(dataDir)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException("data directory " + dataDir + " is not empty and holds no PostgreSQL cluster");
                }
            }
        }
        Files.createDirectories(dataDir.getParent());
        List<String> command = new ArrayList<>(List.of(
                binaries.resolve("bin/initdb").toString(),
                "-A", "trust", "-U", SUPERUSER, "-D", dataDir.toString(), "-E", "UTF8", "--no-locale"));
        if (settings.ephemeral()) {
            command.add("--no-sync");
        }
        runToCompletion(command, "initdb");
    }

    private void startServer() throws IOException {
        stopOrphanedServer();
        List<String> command = new ArrayList<>(List.of(
                binaries.resolve("bin/postgres").toString(),
                "-D", settings.dataDirectory().toString(),
                "-p", Integer.toString(port),
                "-c", "listen_addresses=127.0.0.1",
                "-c", "unix_socket_directories=",
                "-c", "max_connections=300"));
        if (settings.ephemeral()) {
            command.addAll(List.of("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"));
        }
        Files.createDirectories(logFile.getParent());
        ProcessBuilder builder = new ProcessBuilder(asUnprivilegedUser(command))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        server = builder.start();
        awaitAcceptingConnections();
    }

    private void awaitAcceptingConnections() throws IOException {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IOException("PostgreSQL exited during start-up (exit " + server.exitValue() + "): "
                        + tail(logFile) + " — full log: " + logFile);
            }
            try (Connection ignored = DriverManager.getConnection(jdbcUrl(), SUPERUSER, "")) {
                return;
            } catch (SQLException e) {
                last = e;
            }
            sleep(100);
        }
        stop();
        throw new IOException("PostgreSQL did not accept connections within " + STARTUP_TIMEOUT.toSeconds()
                + " s on port " + port + (last == null ? "" : ": " + last.getMessage()) + " — log: " + logFile);
    }

    /**
     * A server left running by a JVM that was killed holds the data directory's lock; it is ours (same data
     * directory), so it is shut down cleanly rather than blocking this start.
     */
    private void stopOrphanedServer() throws IOException {
        Path pidFile = settings.dataDirectory().resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.isEmpty() || lines.getFirst().isBlank()) {
            return;
        }
        long pid = Long.parseLong(lines.getFirst().trim());
        Optional<ProcessHandle> orphan = ProcessHandle.of(pid)
                .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
        if (orphan.isEmpty()) {
            return; // stale file: postgres itself ignores a lock whose process is gone
        }
        signal(pid, "INT");
        try {
            orphan.get().onExit().get(SHUTDOWN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("a PostgreSQL (pid " + pid + ") from an earlier run still holds "
                    + settings.dataDirectory() + " and did not stop", e);
        }
    }

    /** PostgreSQL will not run as root; inside a user namespace root is mapped to an ordinary user. */
    private static List<String> asUnprivilegedUser(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("unshare", "--user", "--map-user=65534", "--map-group=65534"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private void runToCompletion(List<String> command, String what) throws IOException {
        Files.createDirectories(logFile.getParent());
        Process process = new ProcessBuilder(asUnprivilegedUser(command))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        try {
            if (!process.waitFor(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(what + " did not finish within " + STARTUP_TIMEOUT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(what + " interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(what + " failed (exit " + process.exitValue() + "): " + tail(logFile));
        }
    }

    private static void signal(long pid, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Extracts zonky's PostgreSQL archive once per content hash into the temp directory. */
    private static synchronized Path extractBinaries() throws IOException {
        byte[] archive;
        try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", architecture())) {
            archive = in.readAllBytes();
        }
        Path target = Path.of(System.getProperty("java.io.tmpdir"), "trident-postgres-" + sha256(archive).substring(0, 16));
        if (Files.isExecutable(target.resolve("bin/postgres"))) {
            return target;
        }
        Path staging = Files.createTempDirectory(target.getParent(), target.getFileName() + ".staging-");
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(
                new BufferedInputStream(new java.io.ByteArrayInputStream(archive))))) {
            List<TarArchiveEntry> links = new ArrayList<>();
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                Path out = staging.resolve(entry.getName()).normalize();
                if (!out.startsWith(staging)) {
                    throw new IOException("archive entry escapes its folder: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else if (entry.isSymbolicLink()) {
                    links.add(entry);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                    if ((entry.getMode() & 0100) != 0) {
                        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-xr-x"));
                    }
                }
            }
            for (TarArchiveEntry link : links) {
                Path out = staging.resolve(link.getName()).normalize();
                Files.createDirectories(out.getParent());
                Files.deleteIfExists(out);
                Files.createSymbolicLink(out, Path.of(link.getLinkName()));
            }
        }
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
            deleteRecursively(staging); // another process extracted the same archive first
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot install PostgreSQL binaries into " + target, e);
        }
        return target;
    }

    private static String architecture() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "arm_64";
            default -> arch;
        };
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
