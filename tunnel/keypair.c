/* Keypair lifetime and the current/previous/next slot rotation. */
#include "tunnel/keypair.h"

#include <stdlib.h>

#include <sodium.h>

struct wg_keypair *wg_keypair_alloc(struct wg_peer *peer)
{
	struct wg_keypair *kp = calloc(1, sizeof(*kp));

	if (!kp)
		return NULL;
	wg_index_entry_init(&kp->entry, WG_INDEX_KEYPAIR, peer);
	wg_replay_init(&kp->replay);
	return kp;
}

void wg_keypair_free(struct wg_index_table *t, struct wg_keypair *kp)
{
	if (!kp)
		return;
	wg_index_remove(t, &kp->entry);
	wg_aead_ctx_destroy(kp->send_ctx);
	wg_aead_ctx_destroy(kp->recv_ctx);
	sodium_memzero(kp, sizeof(*kp));
	free(kp);
}

static bool expired(const struct wg_keypair *kp, uint64_t now)
{
	return now - kp->birth >= WG_REJECT_AFTER_TIME;
}

bool wg_keypair_can_send(struct wg_keypair *kp, uint64_t now)
{
	if (!kp || !kp->send_valid)
		return false;
	if (expired(kp, now) || kp->send_counter >= WG_REJECT_AFTER_MESSAGES) {
		kp->send_valid = false;
		return false;
	}
	return true;
}

bool wg_keypair_can_receive(struct wg_keypair *kp, uint64_t now)
{
	if (!kp || !kp->recv_valid)
		return false;
	if (expired(kp, now) || wg_replay_exhausted(&kp->replay)) {
		kp->recv_valid = false;
		return false;
	}
	return true;
}

void wg_keypairs_add(struct wg_keypairs *kps, struct wg_index_table *t, struct wg_keypair *kp)
{
	if (kp->initiator) {
		/* The response confirmed it: usable at once. An unconfirmed
		 * `next` (we answered an initiation meanwhile) is kept as
		 * previous so packets under it still decrypt. */
		if (kps->next) {
			wg_keypair_free(t, kps->previous);
			kps->previous = kps->next;
			kps->next = NULL;
			wg_keypair_free(t, kps->current);
		} else {
			wg_keypair_free(t, kps->previous);
			kps->previous = kps->current;
		}
		kps->current = kp;
	} else {
		/* Unconfirmed until the initiator's first data packet. */
		wg_keypair_free(t, kps->next);
		kps->next = kp;
		wg_keypair_free(t, kps->previous);
		kps->previous = NULL;
	}
}

bool wg_keypairs_received_with(struct wg_keypairs *kps, struct wg_index_table *t,
			       const struct wg_keypair *kp)
{
	if (!kp || kp != kps->next)
		return false;
	wg_keypair_free(t, kps->previous);
	kps->previous = kps->current;
	kps->current = kps->next;
	kps->next = NULL;
	return true;
}

void wg_keypairs_expire_sending(struct wg_keypairs *kps)
{
	if (kps->current)
		kps->current->send_valid = false;
	if (kps->next)
		kps->next->send_valid = false;
}

void wg_keypairs_clear(struct wg_keypairs *kps, struct wg_index_table *t)
{
	wg_keypair_free(t, kps->next);
	wg_keypair_free(t, kps->previous);
	wg_keypair_free(t, kps->current);
	kps->next = kps->previous = kps->current = NULL;
}
