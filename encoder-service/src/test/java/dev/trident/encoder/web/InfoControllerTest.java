package dev.trident.encoder.web;

import dev.trident.encoder.config.ServingSettings;
import dev.trident.encoder.inference.EncoderModel;
import dev.trident.encoder.inference.EncoderService;
import dev.trident.encoder.model.EncoderTask;
import dev.trident.encoder.model.Pooling;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** The web layer alone: /info's shape, and how service errors (a full queue) reach the client. */
@WebMvcTest({InfoController.class, TeiController.class})
class InfoControllerTest {

    @Autowired
    MockMvc mvc;

    @MockitoBean
    EncoderService service;

    @Test
    void infoHasTeiFieldsAndTheServedModels() throws Exception {
        when(service.settings()).thenReturn(new ServingSettings(8192, 32, 512, 32, Duration.ofSeconds(1)));
        dev.trident.encoder.inference.ModelRegistry registry = org.mockito.Mockito.mock(dev.trident.encoder.inference.ModelRegistry.class);
        when(registry.dtype("clf")).thenReturn("q8_0");
        when(service.registry()).thenReturn(registry);
        when(service.summaries()).thenReturn(Map.of("clf", new EncoderModel.Summary("clf", "bert",
                EncoderTask.SEQUENCE_CLASSIFICATION, 32, 128, 1000, List.of("neg", "pos"), null,
                new Pooling(Pooling.Mode.MEAN, false), false)));
        mvc.perform(get("/info"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.service").value("encoder"))
                .andExpect(jsonPath("$.status").value("ready"))
                .andExpect(jsonPath("$.model_id").value("clf"))
                .andExpect(jsonPath("$.model_dtype").value("q8_0"))
                .andExpect(jsonPath("$.model_type.classifier.id2label.1").value("pos"))
                .andExpect(jsonPath("$.max_batch_tokens").value(8192))
                .andExpect(jsonPath("$.models[0].labels[1]").value("pos"));
    }

    @Test
    void aFullQueueIs429WithRetryAfterInTheErrorShape() throws Exception {
        when(service.embed(any(), any(), anyBoolean(), anyBoolean(), anyBoolean(), any())).thenThrow(new ApiException(
                HttpStatus.TOO_MANY_REQUESTS, "overloaded", "model 'm' has 1 requests waiting", Map.of("Retry-After", "1")));
        mvc.perform(post("/embed").contentType(MediaType.APPLICATION_JSON).content("{\"inputs\": \"hi\"}"))
                .andExpect(status().isTooManyRequests())
                .andExpect(header().string("Retry-After", "1"))
                .andExpect(jsonPath("$.error.type").value("overloaded"))
                .andExpect(jsonPath("$.error_type").value("overloaded"));
    }

    @Test
    void healthIs503WithoutModels() throws Exception {
        when(service.summaries()).thenReturn(Map.of());
        mvc.perform(get("/health")).andExpect(status().isServiceUnavailable());
    }
}
