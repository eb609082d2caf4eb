// bare-loop: the transport's limit, with no pipeline. The canonical librdkafka consume -> produce
// loop: one rd_kafka_consumer_poll per record, each record's key and value produced (copied) to
// the output topic. Its consumer and producer properties mirror the service's defaults
// (Sources/Kafka/KafkaConfiguration.swift), so only the pipeline differs.
//
//   bare-loop BROKERS INPUT OUTPUT GROUP COUNT [consumer:KEY=VALUE | producer:KEY=VALUE ...]
//
// Exits 0 once COUNT records are produced and flushed, or on SIGTERM/SIGINT (after a flush). The
// optional properties override the defaults below, as `serve --kafka-consumer`/`--kafka-producer`
// do (`e2e-bench transport-latency --subject-consumer`).
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stopping = 0;
static long delivered = 0;
static long failed = 0;

static void on_signal(int signal) {
    (void)signal;
    stopping = 1;
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
    char error[512];
    if (rd_kafka_conf_set(conf, key, value, error, sizeof error) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "bare-loop: %s=%s: %s\n", key, value, error);
        exit(2);
    }
}

static void on_delivery(rd_kafka_t *producer, const rd_kafka_message_t *message, void *opaque) {
    (void)producer;
    (void)opaque;
    if (message->err) {
        if (failed++ == 0) fprintf(stderr, "bare-loop: delivery failed: %s\n", rd_kafka_err2str(message->err));
    } else {
        delivered++;
    }
}

// Applies the `consumer:KEY=VALUE` (or `producer:`) arguments to `conf`.
static void override(rd_kafka_conf_t *conf, const char *prefix, int argc, char **argv) {
    size_t length = strlen(prefix);
    for (int index = 6; index < argc; index++) {
        if (strncmp(argv[index], prefix, length) != 0) continue;
        char *pair = strdup(argv[index] + length);
        char *eq = strchr(pair, '=');
        if (!eq || eq == pair) {
            fprintf(stderr, "bare-loop: '%s' is not %sKEY=VALUE\n", argv[index], prefix);
            exit(2);
        }
        *eq = 0;
        set(conf, pair, eq + 1);
        free(pair);
    }
}

static rd_kafka_t *make(rd_kafka_type_t type, rd_kafka_conf_t *conf) {
    char error[512];
    rd_kafka_t *client = rd_kafka_new(type, conf, error, sizeof error);
    if (!client) {
        fprintf(stderr, "bare-loop: rd_kafka_new: %s\n", error);
        exit(2);
    }
    return client;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: bare-loop BROKERS INPUT OUTPUT GROUP COUNT [consumer:KEY=VALUE | producer:KEY=VALUE ...]\n");
        return 2;
    }
    const char *brokers = argv[1], *input = argv[2], *output = argv[3], *group = argv[4];
    long expected = atol(argv[5]);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    rd_kafka_conf_t *consumerConf = rd_kafka_conf_new();
    set(consumerConf, "bootstrap.servers", brokers);
    set(consumerConf, "group.id", group);
    set(consumerConf, "auto.offset.reset", "earliest");
    set(consumerConf, "enable.auto.commit", "true");
    set(consumerConf, "queued.min.messages", "1000000");
    set(consumerConf, "queued.max.messages.kbytes", "65536");
    set(consumerConf, "fetch.wait.max.ms", "1");
    set(consumerConf, "session.timeout.ms", "6000");
    set(consumerConf, "socket.nagle.disable", "true");
    override(consumerConf, "consumer:", argc, argv);
    rd_kafka_t *consumer = make(RD_KAFKA_CONSUMER, consumerConf);
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, input, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) {
        fprintf(stderr, "bare-loop: subscribe: %s\n", rd_kafka_err2str(err));
        return 2;
    }

    rd_kafka_conf_t *producerConf = rd_kafka_conf_new();
    set(producerConf, "bootstrap.servers", brokers);
    set(producerConf, "enable.idempotence", "true");
    set(producerConf, "compression.codec", "lz4");
    set(producerConf, "linger.ms", "1");
    set(producerConf, "batch.num.messages", "10000");
    set(producerConf, "batch.size", "1048576");
    set(producerConf, "queue.buffering.max.messages", "200000");
    set(producerConf, "queue.buffering.max.kbytes", "262144");
    set(producerConf, "socket.nagle.disable", "true");
    override(producerConf, "producer:", argc, argv);
    rd_kafka_conf_set_dr_msg_cb(producerConf, on_delivery);
    rd_kafka_t *producer = make(RD_KAFKA_PRODUCER, producerConf);

    long produced = 0;
    while (!stopping && produced < expected) {
        rd_kafka_message_t *message = rd_kafka_consumer_poll(consumer, 100);
        rd_kafka_poll(producer, 0);  // delivery reports
        if (!message) continue;
        if (message->err) {
            // Partition EOF is off by default; anything else is worth a line, not an exit.
            fprintf(stderr, "bare-loop: consume: %s\n", rd_kafka_message_errstr(message));
            rd_kafka_message_destroy(message);
            continue;
        }
        while ((err = rd_kafka_producev(
                   producer,
                   RD_KAFKA_V_TOPIC(output),
                   RD_KAFKA_V_KEY(message->key, message->key_len),
                   RD_KAFKA_V_VALUE(message->payload, message->len),
                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                   RD_KAFKA_V_END
               ))
               == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(producer, 1);  // serve reports until there is room
        }
        if (err && failed++ == 0) fprintf(stderr, "bare-loop: produce: %s\n", rd_kafka_err2str(err));
        produced++;
        rd_kafka_message_destroy(message);
    }

    err = rd_kafka_flush(producer, 60000);
    fprintf(
        stderr,
        "bare-loop: produced %ld, delivered %ld, failed %ld%s\n",
        produced,
        delivered,
        failed,
        err ? " (flush timed out)" : ""
    );
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    rd_kafka_destroy(producer);
    return (err || failed) ? 1 : 0;
}
