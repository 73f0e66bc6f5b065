package dev.trident.encoder;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The encoder-only prong: BERT-family embeddings, classification, NER and fill-mask. */
@SpringBootApplication
public class EncoderServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(EncoderServiceApplication.class, args);
    }
}
