package dev.trident.gateway.logs;

import dev.trident.gateway.security.Caller;
import dev.trident.gateway.web.GatewayError;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The request log as a product, for the caller's team only (the team comes from the key, never from the request):
 * {@code GET /v1/logs} lists requests, newest first, filtered and paged; {@code GET /v1/usage} sums requests and
 * tokens by day, task and model.
 */
@RestController
public class LogsController {

    static final int MAX_PAGE_SIZE = 500;

    private final JdbcTemplate jdbc;

    public LogsController(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping("/v1/logs")
    public Mono<ResponseEntity<Object>> logs(@RequestParam(required = false) String from,
                                             @RequestParam(required = false) String to,
                                             @RequestParam(required = false) String task,
                                             @RequestParam(required = false) Integer status,
                                             @RequestParam(required = false) String session,
                                             @RequestParam(required = false) String model,
                                             @RequestParam(defaultValue = "0") int page,
                                             @RequestParam(name = "page_size", defaultValue = "50") int pageSize,
                                             ServerWebExchange exchange) {
        Caller caller = Caller.of(exchange);
        if (caller == null) {
            return error(exchange, HttpStatus.UNAUTHORIZED, "unauthorized", "missing or invalid API key");
        }
        if (page < 0 || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            return error(exchange, HttpStatus.BAD_REQUEST, "invalid_request",
                    "page must be >= 0 and page_size between 1 and " + MAX_PAGE_SIZE);
        }
        Filter filter;
        try {
            filter = new Filter(caller.team(), parseTime(from, false), parseTime(to, true));
        } catch (DateTimeParseException e) {
            return error(exchange, HttpStatus.BAD_REQUEST, "invalid_request",
                    "from and to are ISO-8601 instants (2026-12-01T10:00:00Z) or dates (2026-12-01)");
        }
        filter.equal("task", task);
        filter.equal("status", status);
        filter.equal("session_id", session);
        filter.equal("model", model);
        String sql = """
                SELECT request_id, received_at, method, path, task, service, status, latency_ms, request_bytes,
                       response_bytes, key_id, session_id, model, prompt_tokens, completion_tokens, cached_tokens,
                       finish_reason, error_type, request_body, response_body
                FROM request_log WHERE""" + filter.where() + " ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?";
        List<Object> arguments = new ArrayList<>(filter.arguments);
        arguments.add(pageSize + 1);
        arguments.add((long) page * pageSize);
        return Mono.fromCallable(() -> {
            List<Map<String, Object>> rows = jdbc.query(sql, (rs, n) -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("request_id", rs.getString("request_id"));
                row.put("received_at", rs.getTimestamp("received_at").toInstant().toString());
                row.put("method", rs.getString("method"));
                row.put("path", rs.getString("path"));
                row.put("task", rs.getString("task"));
                row.put("service", rs.getString("service"));
                row.put("status", rs.getInt("status"));
                row.put("latency_ms", rs.getDouble("latency_ms"));
                row.put("request_bytes", rs.getLong("request_bytes"));
                row.put("response_bytes", rs.getLong("response_bytes"));
                row.put("key_id", rs.getString("key_id"));
                row.put("session_id", rs.getString("session_id"));
                row.put("model", rs.getString("model"));
                row.put("prompt_tokens", rs.getObject("prompt_tokens"));
                row.put("completion_tokens", rs.getObject("completion_tokens"));
                row.put("cached_tokens", rs.getObject("cached_tokens"));
                row.put("finish_reason", rs.getString("finish_reason"));
                row.put("error_type", rs.getString("error_type"));
                if (rs.getString("request_body") != null || rs.getString("response_body") != null) {
                    row.put("request_body", rs.getString("request_body"));
                    row.put("response_body", rs.getString("response_body"));
                }
                return row;
            }, arguments.toArray());
            boolean more = rows.size() > pageSize;
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("data", more ? rows.subList(0, pageSize) : rows);
            answer.put("page", page);
            answer.put("page_size", pageSize);
            answer.put("has_more", more);
            return ResponseEntity.ok((Object) answer);
        }).subscribeOn(Schedulers.boundedElastic());
    }

    @GetMapping("/v1/usage")
    public Mono<ResponseEntity<Object>> usage(@RequestParam(required = false) String from,
                                              @RequestParam(required = false) String to,
                                              ServerWebExchange exchange) {
        Caller caller = Caller.of(exchange);
        if (caller == null) {
            return error(exchange, HttpStatus.UNAUTHORIZED, "unauthorized", "missing or invalid API key");
        }
        Filter filter;
        try {
            filter = new Filter(caller.team(), parseTime(from, false), parseTime(to, true));
        } catch (DateTimeParseException e) {
            return error(exchange, HttpStatus.BAD_REQUEST, "invalid_request",
                    "from and to are ISO-8601 instants (2026-12-01T10:00:00Z) or dates (2026-12-01)");
        }
        String sql = """
                SELECT (received_at AT TIME ZONE 'UTC')::date AS day, task, model, count(*) AS requests,
                       count(*) FILTER (WHERE status >= 400) AS errors,
                       COALESCE(sum(prompt_tokens), 0) AS prompt_tokens,
                       COALESCE(sum(completion_tokens), 0) AS completion_tokens,
                       COALESCE(sum(cached_tokens), 0) AS cached_tokens
                FROM request_log WHERE""" + filter.where() + """
                 AND task IS NOT NULL
                GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""";
        return Mono.fromCallable(() -> {
            List<Map<String, Object>> rows = jdbc.query(sql, (rs, n) -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("day", rs.getObject("day", LocalDate.class).toString());
                row.put("task", rs.getString("task"));
                row.put("model", rs.getString("model"));
                row.put("requests", rs.getLong("requests"));
                row.put("errors", rs.getLong("errors"));
                row.put("prompt_tokens", rs.getLong("prompt_tokens"));
                row.put("completion_tokens", rs.getLong("completion_tokens"));
                row.put("cached_tokens", rs.getLong("cached_tokens"));
                return row;
            }, filter.arguments.toArray());
            return ResponseEntity.ok((Object) Map.of("data", rows));
        }).subscribeOn(Schedulers.boundedElastic());
    }

    /** The WHERE clause: always the caller's team; then the time range and equality filters given. */
    private static final class Filter {
        private final StringBuilder where = new StringBuilder(" team = ?");
        private final List<Object> arguments = new ArrayList<>();

        Filter(String team, Instant from, Instant to) {
            arguments.add(team);
            if (from != null) {
                where.append(" AND received_at >= ?");
                arguments.add(Timestamp.from(from));
            }
            if (to != null) {
                where.append(" AND received_at < ?");
                arguments.add(Timestamp.from(to));
            }
        }

        void equal(String column, Object value) {
            if (value != null) {
                where.append(" AND ").append(column).append(" = ?");
                arguments.add(value);
            }
        }

        String where() {
            return where.toString();
        }
    }

    /** An instant, or a date (from: its start; to: the end of that day, so that {@code to=2026-12-01} includes it). */
    private static Instant parseTime(String value, boolean endOfDay) {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (value.length() == 10) {
            LocalDate day = LocalDate.parse(value);
            return (endOfDay ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
        return Instant.parse(value);
    }

    private static Mono<ResponseEntity<Object>> error(ServerWebExchange exchange, HttpStatus status, String type, String message) {
        exchange.getAttributes().put(GatewayError.TYPE_ATTRIBUTE, type);
        return Mono.just(ResponseEntity.status(status).body(Map.of("error", Map.of("type", type, "message", message))));
    }
}
