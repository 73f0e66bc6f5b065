package dev.trident.springaiclient;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Configuration;

/**
 * The real client of the gateway's integration test (dev.trident.gateway.SpringAiClientIT): an application with
 * nothing of its own but Spring AI's auto-configured OpenAI chat and embedding models. Outside the gateway's
 * package so that the gateway's component scan and the test's configuration search do not pick it up.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration(excludeName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration"})
public class SpringAiClientApplication {
}
