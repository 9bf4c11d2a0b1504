/* State shared by channel_server.c (connections, authentication) and
 * channel_push.c (which agents a change concerns; rebuilding and sending
 * views). Private to those two files. */
#ifndef CONTROLPLANE_CHANNEL_SERVER_PRIV_H
#define CONTROLPLANE_CHANNEL_SERVER_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "controlplane/channel_msg.h"
#include "controlplane/channel_proto.h"
#include "controlplane/channel_server.h"
#include "controlplane/channel_view.h"

enum conn_state {
	CONN_HANDSHAKE,  /* waiting for the initiation */
	CONN_HELLO,      /* keys agreed; the first message must be a hello */
	CONN_READY,      /* authenticated host: views flow */
	CONN_CLOSING,    /* an ERROR is being flushed; then freed */
};

struct conn {
	struct cp_channel_server *srv;
	struct bufferevent *bev;
	struct conn *prev, *next;        /* every connection */
	struct conn *q_prev, *q_next;    /* the rebuild queue */
	bool queued;
	enum conn_state state;
	struct cp_chan_keys keys;
	struct cp_chan_rx rx;
	uint8_t key[32];                 /* the agent's static key */
	uint8_t timestamp[WG_TIMESTAMP_LEN];
	char host[CP_NAME_LEN];          /* set once READY */
	char addr[64];                   /* the TCP peer, for logs */
	bool has_digest;                 /* from the hello: resume if it matches */
	uint8_t digest[CP_VIEW_DIGEST_LEN];
	bool has_sum;                    /* a view was sent: sum describes it */
	struct cp_view_summary sum;
	uint64_t opened_ms, last_rx_ms, last_tx_ms, closing_ms;
};

/* Newest initiation timestamp seen per host key (replay refusal). */
struct ts_entry {
	uint8_t key[32];
	uint8_t latest[WG_TIMESTAMP_LEN];
};

struct cp_channel_server {
	struct event_base *base;
	struct cp_store *st;
	struct cp_channel_server_config cfg;  /* listen not kept */
	struct cp_chan_responder responder;
	struct evconnlistener *listener;
	struct event *poll_ev;     /* store revision polling */
	struct event *kick_ev;     /* cp_channel_server_kick */
	struct event *work_ev;     /* zero timer: the next batch of rebuilds */
	struct event *sweep_ev;    /* timeouts and keepalives */
	struct conn *conns;
	struct conn *q_head, *q_tail;
	int64_t seen;              /* newest revision whose changes were dispatched */
	struct ts_entry *ts;
	size_t n_ts, cap_ts;
	struct cp_channel_stats stats;
	char address[64];
};

/* channel_server.c */
/* Sends one message; closes the connection when its queue outgrows
 * max_output (returns -ENOBUFS then: conn is gone). */
int cp_chsrv_send(struct conn *c, enum cp_msg_type type, const json_t *body);
/* Sends an ERROR and closes once it is flushed; c stays valid until the
 * event loop runs again (state CONN_CLOSING). */
void cp_chsrv_refuse(struct conn *c, const char *message, bool refused);
void cp_chsrv_close(struct conn *c);

/* channel_push.c */
void cp_chsrv_enqueue(struct conn *c);
void cp_chsrv_dequeue(struct conn *c);
/* Reads the revision log since srv->seen and queues the agents concerned. */
void cp_chsrv_dispatch(struct cp_channel_server *srv);
/* Rebuilds up to cfg.batch queued views; re-arms itself while work remains. */
void cp_chsrv_work(evutil_socket_t fd, short what, void *arg);

#endif
