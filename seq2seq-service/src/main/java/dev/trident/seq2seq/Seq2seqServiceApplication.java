package dev.trident.seq2seq;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The encoder-decoder prong: T5, BART and Marian translation and summarization. */
@SpringBootApplication
public class Seq2seqServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(Seq2seqServiceApplication.class, args);
    }
}
