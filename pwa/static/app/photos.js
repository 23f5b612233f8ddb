// The photo picker a checklist item and an exception share: up to three, compressed, kept as blobs.
import { t } from './i18n.js';
import { app } from './state.js';
import * as store from './store.js';
import { compressPhoto, field, h } from './ui.js';

const MAX_PHOTOS = 3;

export function photoPicker(shas, onChange) {
  const list = h('div', { class: 'thumbs' });
  const draw = async () => {
    list.replaceChildren();
    for (const sha of shas) {
      const row = await store.getBlob(sha);
      if (!row) continue;
      const url = URL.createObjectURL(row.blob);
      list.append(
        h(
          'figure',
          { class: 'thumb' },
          h('img', { src: url, alt: `${t('photo')} ${sha.slice(0, 8)}` }),
          h(
            'button',
            {
              type: 'button',
              class: 'small',
              onclick: async () => {
                shas.splice(shas.indexOf(sha), 1);
                await onChange(shas);
                draw();
              },
            },
            t('remove'),
          ),
        ),
      );
    }
    input.disabled = shas.length >= MAX_PHOTOS;
  };
  const input = h('input', {
    type: 'file',
    accept: 'image/*',
    capture: 'environment',
    onchange: async (e) => {
      for (const file of [...e.target.files].slice(0, MAX_PHOTOS - shas.length)) {
        const blob = await compressPhoto(file);
        shas.push(await store.putBlob(app.user.username, blob));
      }
      e.target.value = '';
      await onChange(shas);
      draw();
    },
  });
  draw();
  return h('div', { class: 'photos' }, field(`${t('add_photo')}（${t('max_photos')}）`, input), list);
}
