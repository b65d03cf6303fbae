// Card payments with Stripe.js: mounts Stripe's card field into each
// unpaid order's card form (form[data-card-pay], rendered by the server)
// and confirms the order's PaymentIntent. The order itself moves when
// Stripe's signed webhook reaches the server; the page then reloads.
(() => {
  const key = document.currentScript && document.currentScript.dataset.stripeKey;
  if (!key || typeof Stripe !== 'function') return;
  const stripe = Stripe(key);
  const post = async (endpoint, id) => {
    const res = await fetch('/fn/' + endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: new URLSearchParams({ id }),
    });
    if (!res.ok) throw new Error(endpoint + ' ' + res.status);
    return res.json();
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const setUp = (form) => {
    if (form.dataset.ready) return;
    form.dataset.ready = '1';
    const card = stripe.elements().create('card');
    card.mount(form.querySelector('[data-card-element]'));
    const status = form.querySelector('[data-card-status]');
    const button = form.querySelector('button[type=submit]');
    const fallback = form.parentElement.querySelector('[data-card-fallback]');
    if (fallback) fallback.hidden = true;
    form.hidden = false;
    const fail = (message) => {
      status.textContent = message || form.dataset.failed;
      button.disabled = false;
    };
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      button.disabled = true;
      status.textContent = form.dataset.paying;
      const order = form.dataset.order;
      let result;
      try {
        const pay = await post('order-pay', order);
        result = await stripe.confirmCardPayment(pay.client_secret, {
          payment_method: { card },
        });
      } catch (e) {
        fail();
        return;
      }
      if (result.error) {
        fail(result.error.message);
        return;
      }
      status.textContent = form.dataset.done;
      for (let i = 0; i < 60; i++) {
        await sleep(1000);
        try {
          const o = await post('order', order);
          if (o.status !== 'PendingPayment') break;
        } catch (e) {
          break;
        }
      }
      location.reload();
    });
  };
  const scan = () => document.querySelectorAll('form[data-card-pay]').forEach(setUp);
  new MutationObserver(scan).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
  scan();
})();
