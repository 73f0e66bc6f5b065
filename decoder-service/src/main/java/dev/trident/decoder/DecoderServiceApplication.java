package dev.trident.decoder;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The decoder-only prong: GPT-2 and Llama-family generation and multi-turn chat. */
@SpringBootApplication
public class DecoderServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(DecoderServiceApplication.class, args);
    }
}
