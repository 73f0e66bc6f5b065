package dev.trident.gateway.logs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The day partitions of {@code request_log} (UTC days, named {@code request_log_pYYYYMMDD}): creates those of
 * the coming days, and applies retention by dropping the partitions of days wholly older than the cutoff and
 * deleting the older rows of the day the cutoff falls in (and any in the default partition). Dropping a partition
 * costs the same whatever its size, which is why the table is partitioned.
 */
public class RequestLogPartitions {

    private static final Logger log = LoggerFactory.getLogger(RequestLogPartitions.class);
    private static final Pattern DAY_PARTITION = Pattern.compile("request_log_p(\\d{8})");
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final String schema;

    public RequestLogPartitions(JdbcTemplate jdbc, TransactionTemplate transactions, String schema) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.schema = schema;
    }

    /** The days that have a partition, oldest first. */
    public List<LocalDate> partitionDays() {
        List<String> names = jdbc.queryForList("""
                SELECT c.relname FROM pg_inherits i
                JOIN pg_class c ON c.oid = i.inhrelid
                JOIN pg_class p ON p.oid = i.inhparent
                JOIN pg_namespace n ON n.oid = p.relnamespace
                WHERE p.relname = 'request_log' AND n.nspname = ?
                ORDER BY c.relname""", String.class, schema);
        List<LocalDate> days = new ArrayList<>();
        for (String name : names) {
            Matcher day = DAY_PARTITION.matcher(name);
            if (day.matches()) {
                days.add(LocalDate.parse(day.group(1), DAY));
            }
        }
        return days;
    }

    /**
     * Creates the partitions of {@code today} and the {@code aheadDays} after it that do not exist yet. Rows of such
     * a day that went to the default partition meanwhile move into the new partition.
     */
    public int createAhead(LocalDate today, int aheadDays) {
        List<LocalDate> existing = partitionDays();
        int created = 0;
        for (int i = 0; i <= aheadDays; i++) {
            LocalDate day = today.plusDays(i);
            if (!existing.contains(day)) {
                createPartition(day);
                created++;
            }
        }
        return created;
    }

    /** Deletes the rows received before {@code cutoff}; returns the partitions dropped. */
    public int deleteBefore(Instant cutoff) {
        LocalDate cutoffDay = cutoff.atOffset(ZoneOffset.UTC).toLocalDate();
        int dropped = 0;
        for (LocalDate day : partitionDays()) {
            if (day.isBefore(cutoffDay)) {
                jdbc.execute("DROP TABLE " + qualified(partitionName(day)));
                dropped++;
            }
        }
        // The day the cutoff falls in, and strays in the default partition: one indexed delete, bounded to one day.
        jdbc.update("DELETE FROM " + qualified("request_log") + " WHERE received_at < ?", Timestamp.from(cutoff));
        return dropped;
    }

    private void createPartition(LocalDate day) {
        String name = partitionName(day);
        String from = day + " 00:00:00+00";
        String to = day.plusDays(1) + " 00:00:00+00";
        transactions.executeWithoutResult(status -> {
            jdbc.execute("CREATE TABLE " + qualified(name) + " (LIKE " + qualified("request_log") + " INCLUDING DEFAULTS)");
            jdbc.update("WITH moved AS (DELETE FROM " + qualified("request_log_default")
                    + " WHERE received_at >= ?::timestamptz AND received_at < ?::timestamptz RETURNING *) INSERT INTO "
                    + qualified(name) + " SELECT * FROM moved", from, to);
            jdbc.execute("ALTER TABLE " + qualified("request_log") + " ATTACH PARTITION " + qualified(name)
                    + " FOR VALUES FROM ('" + from + "') TO ('" + to + "')");
        });
        log.info("request log: created partition {} for {}", name, day);
    }

    private static String partitionName(LocalDate day) {
        return "request_log_p" + day.format(DAY);
    }

    private String qualified(String table) {
        return '"' + schema + "\".\"" + table + '"';
    }
}
