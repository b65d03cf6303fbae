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
- Connect: `Account` (`/v1/accounts`), `AccountLink` (`/v1/account_links`)
  and `Transfer` (`/v1/transfers`), with Stripe's checks (a transfer needs
  a destination that can be paid and a succeeded source charge with enough
  left), `account.updated` and `transfer.created` webhooks, and the
  hosted onboarding page an account link opens (`/connect/onboarding/…`:
  one button completes the account's details and returns to the app).
- Stripe.js confirms a PaymentIntent with a card field: localstripe's
  script only authenticates one already confirmed on the server, so the
  script it serves gets Stripe.js's `confirmCardPayment(secret,
  {payment_method: {card}})`, which posts the card to
  `/v1/payment_intents/{id}/confirm` with the publishable key and the
  client secret (accepted there, as Stripe does). The script is served
  inside a function scope: at top level its `class Element` hides the
  DOM's `Element` from every other script (wasm-bindgen's type checks
  among them), which Stripe's real script never does.

Nothing here answers with canned data: every object lives in localstripe's
store and moves through its own state machine.
"""
import re
import socket
import sys
import time
import urllib.parse

from aiohttp import web
from localstripe import resources as r
from localstripe import server
from localstripe.errors import UserError

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


# --- Connect ---------------------------------------------------------------

BASE = {'url': 'http://127.0.0.1'}


class Account(r.StripeObject):
    object = 'account'
    _id_prefix = 'acct_'

    def __init__(self, type=None, country=None, email=None,
                 capabilities=None, metadata=None, business_type=None,
                 **kwargs):
        if kwargs:
            raise UserError(400, 'Unexpected ' + ', '.join(kwargs.keys()))
        if type not in ('express', 'standard', 'custom'):
            raise UserError(400, 'Bad request')
        super().__init__()
        self.type = type
        self.country = country or 'IT'
        self.email = email
        self.metadata = metadata or {}
        self.business_type = business_type
        self.default_currency = 'eur'
        self.details_submitted = False
        self.charges_enabled = False
        self.payouts_enabled = False
        self._requested = capabilities or {}
        self.capabilities = {}

    def _complete_onboarding(self):
        self.details_submitted = True
        self.charges_enabled = True
        self.payouts_enabled = True
        self.capabilities = {name: 'active' for name, v in
                             self._requested.items()
                             if str(v.get('requested')).lower() == 'true'}
        r.schedule_webhook(r.Event('account.updated', self))


class AccountLink(object):
    """Not stored by Stripe either: a one-time URL to hosted onboarding."""

    def __init__(self, account=None, type=None, refresh_url=None,
                 return_url=None, collect=None, **kwargs):
        if kwargs:
            raise UserError(400, 'Unexpected ' + ', '.join(kwargs.keys()))
        if type not in ('account_onboarding', 'account_update') \
                or not return_url or not refresh_url:
            raise UserError(400, 'Bad request')
        Account._api_retrieve(account)  # 404 when unknown
        self.created = int(time.time())
        self.expires_at = self.created + 300
        self.url = '%s/connect/onboarding/%s?%s' % (
            BASE['url'], account,
            urllib.parse.urlencode({'return_url': return_url,
                                    'refresh_url': refresh_url}))

    @classmethod
    def _api_create(cls, **data):
        return cls(**data)

    def _export(self, expand=None):
        return {'object': 'account_link', 'created': self.created,
                'expires_at': self.expires_at, 'url': self.url}


class Transfer(r.StripeObject):
    object = 'transfer'
    _id_prefix = 'tr_'

    def __init__(self, amount=None, currency=None, destination=None,
                 source_transaction=None, transfer_group=None,
                 description=None, metadata=None, **kwargs):
        if kwargs:
            raise UserError(400, 'Unexpected ' + ', '.join(kwargs.keys()))
        amount = r.try_convert_to_int(amount)
        if type(amount) is not int or amount <= 0 or not currency:
            raise UserError(400, 'Bad request')
        account = Account._api_retrieve(destination)
        if not account.payouts_enabled:
            raise UserError(400, 'The destination account cannot receive '
                                 'transfers yet', {'code': 'account_invalid'})
        if source_transaction is not None:
            charge = r.Charge._api_retrieve(source_transaction)
            if charge.status != 'succeeded' or charge.currency != currency:
                raise UserError(400, 'The source charge cannot fund this '
                                     'transfer')
            used = sum(t.amount for t in _transfers_of(charge.id))
            if used + amount > charge.amount - charge.amount_refunded:
                raise UserError(400, 'Insufficient funds in the source '
                                     'charge', {'code': 'balance_insufficient'})
        super().__init__()
        self.amount = amount
        self.amount_reversed = 0
        self.currency = currency
        self.destination = destination
        self.destination_payment = 'py_' + r.random_id(14)
        self.balance_transaction = None
        self.source_transaction = source_transaction
        self.source_type = 'card'
        self.transfer_group = transfer_group
        self.description = description
        self.metadata = metadata or {}
        self.reversed = False
        self.reversals = {'object': 'list', 'data': [], 'has_more': False,
                          'total_count': 0,
                          'url': '/v1/transfers/%s/reversals' % self.id}
        r.schedule_webhook(r.Event('transfer.created', self))


def _transfers_of(charge):
    return [v for k, v in r.store.items()
            if k.startswith('transfer:') and v.source_transaction == charge]


for cls, name in ((Account, 'accounts'), (Transfer, 'transfers')):
    server.app.router.add_route('POST', '/v1/' + name,
                                server.api_create(cls, '/v1/' + name))
    server.app.router.add_route('GET', '/v1/' + name + '/{id}',
                                server.api_retrieve(cls, '/v1/' + name))
    server.app.router.add_route('GET', '/v1/' + name,
                                server.api_list_all(cls, '/v1/' + name))
server.app.router.add_route('POST', '/v1/account_links',
                            server.api_create(AccountLink, '/v1/account_links'))


ONBOARDING = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Stripe test onboarding</title><link rel="icon" href="data:,"></head><body><main>
<h1>Stripe test onboarding</h1><p>Account %(account)s</p>
<form method="post"><button type="submit">Complete onboarding</button></form>
</main></body></html>"""

# Stripe.js's card confirmation, added to localstripe's script.
CONFIRM_CARD_JS = """
(function () {
  const localStripe = Stripe;
  Stripe = (apiKey) => {
    const stripe = localStripe(apiKey);
    const authenticate = stripe.confirmCardPayment;
    stripe.confirmCardPayment = async (clientSecret, data) => {
      const card = data && data.payment_method && data.payment_method.card;
      if (!card) return authenticate(clientSecret, data);
      const value = (card.value || {}).card || {};
      const pi = clientSecret.match(/^(pi_\\w+)_secret_/)[1];
      const response = await fetch(
        `${LOCALSTRIPE_BASE_API}/v1/payment_intents/${pi}/confirm`, {
          method: 'POST',
          body: JSON.stringify({
            key: apiKey, client_secret: clientSecret,
            payment_method_data: {type: 'card', card: value},
          }),
        });
      const body = await response.json().catch(() => ({}));
      if (response.status !== 200 || body.error) {
        return {error: body.error || {message: 'card declined'}};
      }
      if (body.status === 'requires_action') {
        return authenticate(clientSecret, data);
      }
      if (body.status !== 'succeeded' && body.status !== 'processing') {
        return {error: body.last_payment_error || {message: body.status}};
      }
      return {paymentIntent: body};
    };
    return stripe;
  };
})();
"""


@web.middleware
async def additions(request, handler):
    path = request.path
    if path.startswith('/connect/onboarding/'):
        account = Account._api_retrieve(path.rsplit('/', 1)[1])
        if request.method == 'POST':
            account._complete_onboarding()
            raise web.HTTPSeeOther(request.query['return_url'])
        return web.Response(text=ONBOARDING % {'account': account.id},
                            content_type='text/html')
    if path == '/js.stripe.com/v3/':
        response = await handler(request)
        # Inside a function: localstripe's top-level `class Element` would
        # otherwise hide the DOM's `Element` from every script on the page.
        script = '(function () {\n%s\n%s\n})();\n' % (response.text,
                                                   CONFIRM_CARD_JS)
        return web.Response(text=script,
                            content_type='application/javascript')
    match = re.match(r'^/v1/payment_intents/(pi_\w+)/confirm$', path)
    if match and request.method == 'POST':
        data = await server.get_post_data(request, remove_auth=False) or {}
        if str(data.get('key', '')).startswith('pk_'):
            intent = r.PaymentIntent._api_retrieve(match.group(1))
            if data.get('client_secret') != intent.client_secret:
                raise UserError(401, 'Unauthorized')
            method = r.PaymentMethod(**data.get('payment_method_data', {}))
            if intent.status == 'requires_payment_method':
                intent.latest_charge = None
            intent.payment_method = method.id
            intent._confirm(on_failure_now=intent._report_failure)
            return server.json_response(intent._export())
    return await handler(request)


# After error handling, before localstripe's secret-key check.
server.app.middlewares.insert(1, additions)


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(('127.0.0.1', 0))
    BASE['url'] = 'http://127.0.0.1:%d' % sock.getsockname()[1]
    print('listening on %d' % sock.getsockname()[1], flush=True)
    web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == '__main__':
    sys.exit(main())
