package dev.trident.gateway.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded load test of the gateway (ops/bench/gateway-load): N concurrent clients send a fixed mix of tasks
 * (embed, chat, translate) for a fixed time straight to the services, then the same through the gateway. It checks
 * that the gateway wrote one request_log row per request it was sent, and prints latency p50/p99 per task for both
 * paths and the gateway's added latency (gateway minus direct). Exit status 1 when the row count does not match.
 *
 * <p>Options: {@code --clients 64 --duration 60s --warmup 5s --gateway URL --encoder URL --decoder URL --seq2seq URL
 * --db-url JDBC --db-user U --db-password P --gateway-pid PID --out FILE}; the defaults are those of ops/up. With
 * the gateway's pid it also reports the gateway process's CPU time per request. {@code TRIDENT_API_KEY},
 * when set, is sent as {@code Authorization: Bearer} to the gateway.
 */
public final class GatewayLoad {

    /** One kind of request of the mix: where it goes on a service and what it sends. */
    record Task(String name, String service, String path, String body) {
    }

    static final List<Task> MIX = List.of(
            new Task("embed", "encoder", "/v1/embeddings", "{\"input\":\"The gateway routes every request by its task.\"}"),
            new Task("chat", "decoder", "/v1/chat/completions",
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story.\"}],\"max_tokens\":8,\"temperature\":0}"),
            new Task("translate", "seq2seq", "/v1/translate",
                    "{\"text\":\"twenty three\",\"source_lang\":\"en\",\"target_lang\":\"fr\"}"));

    /** Latencies (ns) and outcomes of one path for one task. */
    static final class Samples {
        final List<Long> nanos = new ArrayList<>();
        long errors;
        final Map<Integer, Long> statuses = new LinkedHashMap<>();

        synchronized void add(long elapsed, int status) {
            nanos.add(elapsed);
            statuses.merge(status, 1L, Long::sum);
            if (status < 200 || status >= 300) {
                errors++;
            }
        }

        synchronized double percentileMs(double p) {
            if (nanos.isEmpty()) {
                return Double.NaN;
            }
            long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
            int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int clients = Integer.parseInt(options.getOrDefault("clients", "64"));
        Duration duration = duration(options.getOrDefault("duration", "60s"));
        Duration warmup = duration(options.getOrDefault("warmup", "5s"));
        URI gateway = URI.create(options.getOrDefault("gateway", env("TRIDENT_GATEWAY_URL", "http://127.0.0.1:8080")));
        Map<String, URI> direct = Map.of(
                "encoder", URI.create(options.getOrDefault("encoder", env("TRIDENT_ENCODER_URL", "http://127.0.0.1:8081"))),
                "decoder", URI.create(options.getOrDefault("decoder", env("TRIDENT_DECODER_URL", "http://127.0.0.1:8082"))),
                "seq2seq", URI.create(options.getOrDefault("seq2seq", env("TRIDENT_SEQ2SEQ_URL", "http://127.0.0.1:8083"))));
        String dbUrl = options.getOrDefault("db-url", env("TRIDENT_DB_URL", "jdbc:postgresql://127.0.0.1:15432/postgres"));
        String dbUser = options.getOrDefault("db-user", env("TRIDENT_DB_USER", "postgres"));
        String dbPassword = options.getOrDefault("db-password", env("TRIDENT_DB_PASSWORD", ""));
        String apiKey = System.getenv("TRIDENT_API_KEY");

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        String run = "load-" + UUID.randomUUID().toString().substring(0, 8);
        System.out.printf(Locale.ROOT, "gateway-load: %d clients, %s per path (after %s warm-up), mix %s, run id %s%n",
                clients, duration, warmup, MIX.stream().map(Task::name).toList(), run);

        // Warm both paths, then measure: direct first, then through the gateway, with the same clients and mix.
        drive(http, clients, warmup, task -> direct.get(task.service()).resolve(task.path()), null, null, run + "-warm");
        drive(http, clients, warmup, task -> gateway.resolve(task.path()), apiKey, null, run + "-warm");
        Map<String, Samples> directSamples = samples();
        drive(http, clients, duration, task -> direct.get(task.service()).resolve(task.path()), null, directSamples, run + "-direct");
        Map<String, Samples> gatewaySamples = samples();
        // Only these requests' ids start with <run>-gw-: the warm-up's rows are not counted.
        long gatewayPid = Long.parseLong(options.getOrDefault("gateway-pid", "0"));
        double cpuBefore = cpuSeconds(gatewayPid);
        long sent = drive(http, clients, duration, task -> gateway.resolve(task.path()), apiKey, gatewaySamples, run + "-gw");
        double gatewayCpu = cpuSeconds(gatewayPid) - cpuBefore;

        long rows = awaitRows(dbUrl, dbUser, dbPassword, run + "-gw-%", sent, Duration.ofSeconds(60));
        String report = report(clients, duration, directSamples, gatewaySamples, sent, rows)
                + (gatewayPid > 0 && !Double.isNaN(gatewayCpu) ? String.format(Locale.ROOT,
                "gateway process CPU during its phase: %.1f s user+sys, %.2f ms per request%n", gatewayCpu, gatewayCpu * 1000 / sent) : "");
        System.out.print(report);
        String out = options.get("out");
        if (out != null) {
            Path file = Path.of(out);
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, report);
            System.out.println("written to " + file);
        }
        System.exit(rows == sent ? 0 : 1);
    }

    interface Target {
        URI of(Task task);
    }

    /** Runs {@code clients} loops for {@code time}; returns the number of requests sent. */
    static long drive(HttpClient http, int clients, Duration time, Target target, String apiKey,
                      Map<String, Samples> samples, String idPrefix) throws Exception {
        long deadline = System.nanoTime() + time.toNanos();
        AtomicLong sent = new AtomicLong();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> loops = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                loops.add(pool.submit(() -> {
                    for (int i = client; System.nanoTime() < deadline; i++) {
                        Task task = MIX.get(i % MIX.size());
                        String requestId = idPrefix + "-" + sent.incrementAndGet();
                        HttpRequest.Builder request = HttpRequest.newBuilder(target.of(task))
                                .timeout(Duration.ofSeconds(60))
                                .header("Content-Type", "application/json")
                                .header("X-Request-Id", requestId)
                                .POST(HttpRequest.BodyPublishers.ofString(task.body()));
                        if (apiKey != null && !apiKey.isBlank()) {
                            request.header("Authorization", "Bearer " + apiKey);
                        }
                        long start = System.nanoTime();
                        int status;
                        try {
                            status = http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                        } catch (IOException e) {
                            status = 0;
                        }
                        if (samples != null) {
                            samples.get(task.name()).add(System.nanoTime() - start, status);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> loop : loops) {
                loop.get();
            }
        }
        return sent.get();
    }

    /** Waits for the batched request-log writer: the rows of this run, once their count stops changing. */
    static long awaitRows(String url, String user, String password, String pattern, long expected, Duration timeout)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long count = -1;
        try (Connection db = DriverManager.getConnection(url, user, password);
             PreparedStatement query = db.prepareStatement("SELECT count(*) FROM gateway.request_log WHERE request_id LIKE ?")) {
            query.setString(1, pattern);
            while (true) {
                try (ResultSet result = query.executeQuery()) {
                    result.next();
                    count = result.getLong(1);
                }
                if (count >= expected || System.nanoTime() > deadline) {
                    // A few more reads: a count past the expected one is a duplicate row, and must show.
                    Thread.sleep(1000);
                    try (ResultSet result = query.executeQuery()) {
                        result.next();
                        return result.getLong(1);
                    }
                }
                Thread.sleep(250);
            }
        }
    }

    static String report(int clients, Duration duration, Map<String, Samples> direct, Map<String, Samples> gateway,
                         long sent, long rows) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%ngateway-load %s  clients %d  duration %s per path  cores %d  load average %s%n",
                LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME), clients, duration,
                Runtime.getRuntime().availableProcessors(), loadAverage()));
        out.append(String.format(Locale.ROOT, "%-10s %9s %7s %10s %10s %9s %7s %10s %10s %12s %12s%n",
                "task", "direct n", "errors", "p50 ms", "p99 ms", "gw n", "errors", "p50 ms", "p99 ms", "added p50", "added p99"));
        Samples allDirect = new Samples();
        Samples allGateway = new Samples();
        for (Task task : MIX) {
            Samples d = direct.get(task.name());
            Samples g = gateway.get(task.name());
            line(out, task.name(), d, g);
            merge(allDirect, d);
            merge(allGateway, g);
        }
        line(out, "all", allDirect, allGateway);
        out.append(String.format(Locale.ROOT, "throughput: direct %.1f req/s, gateway %.1f req/s%n",
                allDirect.nanos.size() / (double) duration.toSeconds(), allGateway.nanos.size() / (double) duration.toSeconds()));
        out.append(String.format(Locale.ROOT, "statuses: direct %s, gateway %s%n", statuses(direct), statuses(gateway)));
        out.append(String.format(Locale.ROOT, "request_log rows: %d for %d requests sent through the gateway: %s%n",
                rows, sent, rows == sent ? "MATCH" : "MISMATCH"));
        return out.toString();
    }

    private static void line(StringBuilder out, String name, Samples d, Samples g) {
        double d50 = d.percentileMs(50);
        double d99 = d.percentileMs(99);
        double g50 = g.percentileMs(50);
        double g99 = g.percentileMs(99);
        out.append(String.format(Locale.ROOT, "%-10s %9d %7d %10.2f %10.2f %9d %7d %10.2f %10.2f %+12.2f %+12.2f%n",
                name, d.nanos.size(), d.errors, d50, d99, g.nanos.size(), g.errors, g50, g99, g50 - d50, g99 - d99));
    }

    private static void merge(Samples into, Samples from) {
        into.nanos.addAll(from.nanos);
        into.errors += from.errors;
        from.statuses.forEach((status, n) -> into.statuses.merge(status, n, Long::sum));
    }

    private static Map<Integer, Long> statuses(Map<String, Samples> samples) {
        Map<Integer, Long> all = new LinkedHashMap<>();
        samples.values().forEach(s -> s.statuses.forEach((status, n) -> all.merge(status, n, Long::sum)));
        return all;
    }

    private static Map<String, Samples> samples() {
        Map<String, Samples> samples = new LinkedHashMap<>();
        MIX.forEach(task -> samples.put(task.name(), new Samples()));
        return samples;
    }

    /** User plus system CPU time of a process, from /proc (NaN when unknown). */
    static double cpuSeconds(long pid) {
        if (pid <= 0) {
            return Double.NaN;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.UTF_8);
            // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return ticks / Double.parseDouble(env("TRIDENT_CLK_TCK", "100"));
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    static Duration duration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        if (t.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        if (t.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        return Duration.ofSeconds(Long.parseLong(t));
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i] + "; options: " + Arrays.toString(new String[] {
                        "--clients", "--duration", "--warmup", "--gateway", "--encoder", "--decoder", "--seq2seq",
                        "--db-url", "--db-user", "--db-password", "--out"}));
            }
            String name = args[i].substring(2);
            int eq = name.indexOf('=');
            if (eq >= 0) {
                options.put(name.substring(0, eq), name.substring(eq + 1));
            } else {
                options.put(name, args[++i]);
            }
        }
        return options;
    }
}
