package dev.trident.encoder.web;

import dev.trident.encoder.inference.EncoderService;
import dev.trident.encoder.inference.EncoderService.Fill;
import dev.trident.encoder.inference.EncoderService.Result;
import dev.trident.encoder.inference.InferenceQueue.Timing;
import dev.trident.encoder.inference.NerAggregation;
import dev.trident.encoder.inference.NerAggregation.Entity;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import java.util.List;
import java.util.Set;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** Request parsing and response shapes of /v1/ner and /v1/fill-mask (the service is a mock). */
@WebMvcTest(TaskController.class)
class TaskControllerTest {

    @Autowired
    MockMvc mvc;

    @MockitoBean
    EncoderService service;

    @Test
    void nerDefaultsToSimpleWithoutOAndWritesEntityGroups() throws Exception {
        when(service.ner(any(), any(), any(), any(), anyBoolean())).thenReturn(new Result<>("ner",
                List.of(List.of(new Entity(null, "PER", 0.9f, null, "john", 0, 4))), new Timing(0, 0, 3)));
        mvc.perform(post("/v1/ner").contentType(MediaType.APPLICATION_JSON).content("{\"inputs\": \"John\"}"))
                .andExpect(status().isOk())
                .andExpect(header().string("x-compute-tokens", "3"))
                .andExpect(jsonPath("$.model").value("ner"))
                .andExpect(jsonPath("$.results[0][0].entity_group").value("PER"))
                .andExpect(jsonPath("$.results[0][0].word").value("john"))
                .andExpect(jsonPath("$.results[0][0].end").value(4));
        verify(service).ner(eq(null), eq(List.of("John")), eq(NerAggregation.Strategy.SIMPLE), eq(Set.of("O")), eq(false));
    }

    @Test
    void unknownAggregationIs400() throws Exception {
        mvc.perform(post("/v1/ner").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"inputs\": \"x\", \"aggregation_strategy\": \"mean\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error.type").value("invalid_request"));
    }

    @Test
    void fillMaskWritesEachFiller() throws Exception {
        when(service.fillMask(any(), any(), anyInt(), anyBoolean())).thenReturn(new Result<>("mlm",
                List.of(List.of(List.of(new Fill(0.5f, 7, "paris", "paris is nice")))), new Timing(0, 0, 5)));
        mvc.perform(post("/v1/fill-mask").contentType(MediaType.APPLICATION_JSON).content("{\"inputs\": [\"[MASK] is nice\"]}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.results[0][0][0].token").value(7))
                .andExpect(jsonPath("$.results[0][0][0].token_str").value("paris"))
                .andExpect(jsonPath("$.results[0][0][0].sequence").value("paris is nice"));
        verify(service).fillMask(null, List.of("[MASK] is nice"), 5, false);
    }
}
