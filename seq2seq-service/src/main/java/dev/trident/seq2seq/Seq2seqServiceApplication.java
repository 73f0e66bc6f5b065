package dev.trident.seq2seq;

import dev.trident.web.JsonErrorController;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** The encoder-decoder prong: T5, BART and Marian translation and summarization. */
@SpringBootApplication
@Import(JsonErrorController.class)
public class Seq2seqServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(Seq2seqServiceApplication.class, args);
    }
}
