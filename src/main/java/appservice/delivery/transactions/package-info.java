/**
 * The persisted state of delivery: pending items, the transactions cut from them (at most
 * {@link appservice.delivery.transactions.Batch#MAX_PER_KIND} of each kind) and their bodies, and each
 * application service's state.
 */
package appservice.delivery.transactions;
