/**
 * Ingest: takes events off the JMS queue, validates them and stores them.
 */
package appservice.delivery.ingest;
