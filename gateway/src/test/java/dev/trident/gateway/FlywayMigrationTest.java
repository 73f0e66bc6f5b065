package dev.trident.gateway;

import dev.trident.gateway.logs.RequestLogPartitions;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway's migrations build its schema from nothing or from an earlier version, and running them again changes nothing. */
@SpringBootTest
class FlywayMigrationTest {

    @Autowired
    DataSource dataSource;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    PlatformTransactionManager transactions;

    @Test
    void migratesAnEmptySchemaThenIsANoOp() {
        String schema = "gateway_migration_check";
        jdbc.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        Flyway flyway = Flyway.configure().dataSource(dataSource).schemas(schema).defaultSchema(schema)
                .locations("classpath:db/migration").load();

        MigrateResult first = flyway.migrate();
        assertThat(first.migrationsExecuted).isGreaterThanOrEqualTo(1);
        assertThat(first.success).isTrue();
        Integer tables = jdbc.queryForObject(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'request_log'",
                Integer.class, schema);
        assertThat(tables).isEqualTo(1);

        MigrateResult second = flyway.migrate();
        assertThat(second.migrationsExecuted).isZero();
        assertThat(flyway.validateWithResult().validationSuccessful).isTrue();
        jdbc.execute("DROP SCHEMA " + schema + " CASCADE");
    }

    @Test
    void theApplicationSchemaIsMigratedAtStartUp() {
        Integer applied = jdbc.queryForObject(
                "SELECT count(*) FROM gateway.flyway_schema_history WHERE version IN ('1', '2', '3') AND success", Integer.class);
        assertThat(applied).isEqualTo(3);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM pg_partitioned_table pt JOIN pg_class c ON c.oid = pt.partrelid"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'request_log' AND n.nspname = 'gateway'",
                Integer.class)).isEqualTo(1);
    }

    /**
     * A V1 request_log with rows of several days becomes the day-partitioned table with every row (ids kept, new
     * ids after them); then retention drops whole old days, deletes the older part of the cutoff day, and new days'
     * partitions are created ahead, moving rows that went to the default partition meanwhile.
     */
    @Test
    void theV1RequestLogMovesIntoDayPartitionsAndRetentionDropsOldDays() {
        String schema = "gateway_partition_check";
        jdbc.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        Flyway v1 = Flyway.configure().dataSource(dataSource).schemas(schema).defaultSchema(schema)
                .locations("classpath:db/migration").target(MigrationVersion.fromVersion("1")).load();
        v1.migrate();
        Instant now = Instant.now();
        List<Instant> times = List.of(now.minus(Duration.ofDays(40)), now.minus(Duration.ofDays(10)),
                now.minus(Duration.ofDays(10)).plusSeconds(60), now.minus(Duration.ofHours(1)));
        for (int i = 0; i < times.size(); i++) {
            jdbc.update("INSERT INTO " + schema + ".request_log (received_at, request_id, method, path, status, latency_ms,"
                    + " request_bytes, response_bytes) VALUES (?, ?, 'POST', '/v1/embeddings', 200, 1.5, 10, 20)",
                    Timestamp.from(times.get(i)), "old-" + i);
        }

        MigrateResult rest = Flyway.configure().dataSource(dataSource).schemas(schema).defaultSchema(schema)
                .locations("classpath:db/migration").load().migrate();
        assertThat(rest.success).isTrue();
        assertThat(jdbc.queryForList("SELECT request_id FROM " + schema + ".request_log ORDER BY id", String.class))
                .containsExactly("old-0", "old-1", "old-2", "old-3");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + schema + ".request_log_default", Integer.class)).isZero();
        jdbc.update("INSERT INTO " + schema + ".request_log (received_at, request_id, method, path, status, latency_ms,"
                + " request_bytes, response_bytes, team, prompt_tokens) VALUES (now(), 'new', 'GET', '/x', 200, 1, 0, 0, 't', 3)");
        assertThat(jdbc.queryForObject("SELECT max(id) FROM " + schema + ".request_log WHERE request_id = 'new'", Long.class))
                .isGreaterThan(jdbc.queryForObject("SELECT max(id) FROM " + schema + ".request_log WHERE request_id LIKE 'old-%'", Long.class));

        RequestLogPartitions partitions = new RequestLogPartitions(jdbc, new TransactionTemplate(transactions), schema);
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        List<LocalDate> days = partitions.partitionDays();
        assertThat(days).contains(day(times.get(0)), day(times.get(1)), today, today.plusDays(2));

        // A row for a day without partition lands in the default partition, and moves when the day gets one.
        LocalDate later = today.plusDays(5);
        jdbc.update("INSERT INTO " + schema + ".request_log (received_at, request_id, method, path, status, latency_ms,"
                + " request_bytes, response_bytes) VALUES (?, 'future', 'GET', '/x', 200, 1, 0, 0)",
                Timestamp.from(later.atStartOfDay(ZoneOffset.UTC).plusHours(3).toInstant()));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + schema + ".request_log_default", Integer.class)).isEqualTo(1);
        assertThat(partitions.createAhead(today, 6)).isEqualTo(4);
        assertThat(partitions.partitionDays()).contains(later, today.plusDays(6));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + schema + ".request_log_default", Integer.class)).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + schema + ".request_log_p"
                + later.format(DateTimeFormatter.BASIC_ISO_DATE), Integer.class)).isEqualTo(1);
        assertThat(partitions.createAhead(today, 6)).isZero();

        // Retention of 10 days minus 30 s: the 40-day-old day is dropped, of the 10-day-old day only the later row stays.
        Instant cutoff = times.get(1).plusSeconds(30);
        int dropped = partitions.deleteBefore(cutoff);
        assertThat(dropped).isGreaterThanOrEqualTo(1);
        assertThat(partitions.partitionDays()).doesNotContain(day(times.get(0))).contains(day(times.get(1)));
        assertThat(jdbc.queryForList("SELECT request_id FROM " + schema + ".request_log ORDER BY id", String.class))
                .containsExactly("old-2", "old-3", "new", "future");
        jdbc.execute("DROP SCHEMA " + schema + " CASCADE");
    }

    private static LocalDate day(Instant instant) {
        return LocalDate.ofInstant(instant, ZoneOffset.UTC);
    }
}
