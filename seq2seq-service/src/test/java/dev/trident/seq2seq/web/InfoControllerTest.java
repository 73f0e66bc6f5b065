package dev.trident.seq2seq.web;

import dev.trident.seq2seq.inference.Seq2SeqRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import java.util.List;

import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(InfoController.class)
class InfoControllerTest {

    @Autowired
    MockMvc mvc;

    @MockitoBean
    Seq2SeqRegistry models;

    @Test
    void saysWhichServiceThisIsAndThatItHasNoModelWhenNoneIsLoaded() throws Exception {
        when(models.all()).thenReturn(List.of());
        mvc.perform(get("/info"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.service").value("seq2seq"))
                .andExpect(jsonPath("$.status").value("no_model"))
                .andExpect(jsonPath("$.models").isEmpty());
    }
}
