/**
 * Ingest: takes envelopes (events, ephemeral events, to-device messages, device lists and key counts)
 * off the JMS queue, validates them and stores them.
 */
package appservice.delivery.ingest;
