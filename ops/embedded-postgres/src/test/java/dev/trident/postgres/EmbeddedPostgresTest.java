package dev.trident.postgres;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedPostgresTest {

    @Test
    void keepsDataAcrossStopAndRestartAndLeavesNoLockBehind() throws Exception {
        Path dataDir = Path.of(System.getProperty("trident.db.embedded.data-dir", "target/test-pgdata")).resolveSibling("embedded-postgres-test");
        try (EmbeddedPostgres postgres = EmbeddedPostgres.start(new EmbeddedPostgres.Settings(dataDir, 0, true))) {
            execute(postgres, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");
            assertThat(Files.exists(dataDir.resolve("postmaster.pid"))).isTrue();

            postgres.stop();
            assertThat(postgres.isRunning()).isFalse();
            assertThat(Files.exists(dataDir.resolve("postmaster.pid"))).as("fast shutdown removes the lock file").isFalse();
            assertThatThrownBy(() -> DriverManager.getConnection(postgres.jdbcUrl(), EmbeddedPostgres.SUPERUSER, ""))
                    .isInstanceOf(SQLException.class);

            postgres.restart();
            try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), EmbeddedPostgres.SUPERUSER, "");
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
        }
    }

    private static void execute(EmbeddedPostgres postgres, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), EmbeddedPostgres.SUPERUSER, "");
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
