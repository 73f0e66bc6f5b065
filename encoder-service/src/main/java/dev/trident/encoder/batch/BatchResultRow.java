package dev.trident.encoder.batch;

import org.springframework.jdbc.core.RowMapper;

/** One item of a job: its index, input, and result (JSON text) or error. */
public record BatchResultRow(int index, String input, String resultJson, String error) {

    static final RowMapper<BatchResultRow> MAPPER = (rs, i) ->
            new BatchResultRow(rs.getInt("idx"), rs.getString("input"), rs.getString("result"), rs.getString("error"));
}
