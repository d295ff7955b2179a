/**
 * Recovery: retries application services that are DOWN, with a growing backoff.
 */
package appservice.delivery.recovery;
