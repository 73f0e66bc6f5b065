package dev.trident.encoder;

import dev.trident.web.JsonErrorController;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** The encoder-only prong: BERT-family embeddings, classification, NER and fill-mask. */
@SpringBootApplication
@Import(JsonErrorController.class)
public class EncoderServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(EncoderServiceApplication.class, args);
    }
}
