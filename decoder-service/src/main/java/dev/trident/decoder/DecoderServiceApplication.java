package dev.trident.decoder;

import dev.trident.web.JsonErrorController;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** The decoder-only prong: GPT-2 and Llama-family generation and multi-turn chat. */
@SpringBootApplication
@Import(JsonErrorController.class)
public class DecoderServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(DecoderServiceApplication.class, args);
    }
}
