package dev.trident.decoder.config;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

@Configuration
@EnableConfigurationProperties(DecoderSettings.class)
public class DecoderConfiguration {
}
