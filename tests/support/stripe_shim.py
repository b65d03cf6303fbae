"""localstripe, extended with exactly what Mutua's Stripe client needs and
localstripe lacks, and started on a free loopback port (printed as
`listening on PORT`).

Additions (each one is missing from localstripe 1.15, present in Stripe):
- PaymentIntent accepts and returns `transfer_group` (separate charges and
  transfers group the payment with the order's transfers).
- PaymentIntent responses carry the fields Stripe always sends and the
  typed client requires (`object`, `amount_capturable`, `amount_received`,
  `confirmation_method`, `payment_method_types`, `livemode`, …), with the
  values Stripe gives them.

- Balance transactions of charges carry Stripe's fee (localstripe's is
  always 0): the standard EEA card price, 1.5 % + 0.25 (in minor units,
  rounded half to even), with its `fee_details`.
- `Idempotency-Key`: a POST repeated with a key already used answers the
  first answer again instead of acting twice.

Nothing here answers with canned data: every object lives in localstripe's
store and moves through its own state machine.
"""
import socket
import sys

from aiohttp import web
from localstripe import resources as r
from localstripe import server

_init = r.PaymentIntent.__init__


def _payment_intent_init(self, transfer_group=None, **kwargs):
    _init(self, **kwargs)
    self.transfer_group = transfer_group


r.PaymentIntent.__init__ = _payment_intent_init

_export = r.PaymentIntent._export


def _payment_intent_export(self, *args, **kwargs):
    out = _export(self, *args, **kwargs)
    charge = self.latest_charge
    received = self.amount if self.status == 'succeeded' else 0
    defaults = {
        'amount_capturable': 0,
        'amount_received': received,
        'automatic_payment_methods': None,
        'canceled_at': None,
        'cancellation_reason': None,
        'confirmation_method': 'automatic',
        'description': None,
        'excluded_payment_method_types': None,
        'last_payment_error': None,
        'livemode': False,
        'on_behalf_of': None,
        'payment_method_options': None,
        'payment_method_types': ['card'],
        'processing': None,
        'receipt_email': None,
        'review': None,
        'setup_future_usage': None,
        'shipping': None,
        'statement_descriptor': None,
        'statement_descriptor_suffix': None,
        'transfer_data': None,
        'transfer_group': getattr(self, 'transfer_group', None),
    }
    for k, v in defaults.items():
        out.setdefault(k, v)
    if charge is not None and isinstance(out.get('latest_charge'), dict):
        out['latest_charge'] = charge.id
    return out


r.PaymentIntent._export = _payment_intent_export


_txn_init = r.BalanceTransaction.__init__


def _balance_transaction_init(self, *args, **kwargs):
    _txn_init(self, *args, **kwargs)
    if self.type == 'charge' and self.amount > 0:
        self.fee = round(self.amount * 0.015) + 25
        self.fee_details = [{
            'amount': self.fee, 'application': None,
            'currency': self.currency, 'description': 'Stripe processing fees',
            'type': 'stripe_fee'}]


r.BalanceTransaction.__init__ = _balance_transaction_init

_answered = {}


@web.middleware
async def idempotency(request, handler):
    key = request.headers.get('Idempotency-Key')
    if request.method != 'POST' or not key:
        return await handler(request)
    seen = _answered.get((key, request.path))
    if seen is not None:
        status, body, content_type = seen
        return web.Response(status=status, body=body,
                            content_type=content_type)
    response = await handler(request)
    _answered[(key, request.path)] = (response.status, response.body,
                                      response.content_type)
    return response


server.app.middlewares.append(idempotency)


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(('127.0.0.1', 0))
    print('listening on %d' % sock.getsockname()[1], flush=True)
    web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == '__main__':
    sys.exit(main())
