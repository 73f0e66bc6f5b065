package dev.trident.seq2seq.config;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

@Configuration
@EnableConfigurationProperties(Seq2SeqSettings.class)
public class Seq2SeqConfiguration {
}
