package dev.trident.gateway;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway's migrations build its schema from nothing, and running them again changes nothing. */
@SpringBootTest
class FlywayMigrationTest {

    @Autowired
    DataSource dataSource;

    @Autowired
    JdbcTemplate jdbc;

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
                "SELECT count(*) FROM gateway.flyway_schema_history WHERE version = '1' AND success", Integer.class);
        assertThat(applied).isEqualTo(1);
    }
}
