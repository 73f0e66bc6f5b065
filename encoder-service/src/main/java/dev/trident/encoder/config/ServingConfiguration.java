package dev.trident.encoder.config;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

@Configuration
@EnableConfigurationProperties(ServingSettings.class)
public class ServingConfiguration {
}
