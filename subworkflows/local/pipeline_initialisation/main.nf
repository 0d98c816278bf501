/*
 * PIPELINE_INITIALISATION: check the parameters (nf-schema) and turn --input into a
 * channel of [meta, video, metadata_txt], meta = [id: video id, experiment: name].
 *
 * --input is either a samplesheet (*.csv: sample,video,metadata[,experiment], checked
 * against assets/schema_input.json) or a folder / S3 prefix of <stem>.<video ext> +
 * <stem>.txt pairs. nf-core pipelines keep the plugin calls in a subworkflow like this.
 *
 * With --arena open, --input is a folder or S3 prefix of videos alone and each pairs with its
 * tracks in --pose_input (openArenas): the arenas channel is [meta, video, pose], meta.colours
 * the mice's fur colours.
 *
 * validate_params false (--validate_params false) skips nf-schema and its plugin altogether
 * (conf/nf_schema.config is then not loaded); a samplesheet still needs it.
 */

// nf-schema's functions (validateParameters, paramsSummaryLog, samplesheetToList), looked up
// when first called, as Nextflow resolves `include ... from 'plugin/nf-schema'`. That include
// would start the plugin whenever this file loads, so `--validate_params false` could not run
// where the plugin cannot be installed (offline, as in CI: docs/nextflow.md).
def nfSchema() {
    def pluginId = 'nf-schema'
    nextflow.plugin.Plugins.startIfMissing(pluginId)
    def extension = nextflow.plugin.Plugins
        .getExtensionsInPluginId(nextflow.plugin.extension.PluginExtensionPoint, pluginId)
        .first()
    extension.checkInit(nextflow.Global.session)
    return extension
}

// Video files found in an --input folder (or S3 prefix); each pairs with <stem>.txt.
def videoGlob(prefix) {
    return "${prefix}/*.{mp4,MP4,avi,AVI,mov,MOV,mkv,MKV,m4v,M4V}"
}

// The --input folder or prefix without trailing slashes.
def inputPrefix(input) {
    return input.toString().replaceAll('/+$', '')
}

// An experiment's name: --experiment, else the --input folder's or samplesheet's name.
def experimentName(input, experiment) {
    if (experiment) {
        return experiment
    }
    def name = file(inputPrefix(input)).name
    return name.endsWith('.csv') ? name - '.csv' : name
}

// --arena open: [meta, video, pose] per video in --input. A pose file in --pose_input belongs
// to the longest video stem that starts its name (DeepLabCut's <stem>DLC_...h5); a video
// with none or several stops the run, as a video without its TXT does.
def openArenas(input, poseInput, colours, name) {
    if (!poseInput || !colours) {
        error("--arena open needs --pose_input (the folder of each video's tracks) and --colours")
    }
    def videos = files(videoGlob(inputPrefix(input)))
    if (!videos) {
        error("--input ${input}: no videos found")
    }
    def poses = files("${inputPrefix(poseInput)}/*.h5")
    return videos.collect { video ->
        def found = poses.findAll { pose ->
            def owners = videos.findAll { other -> pose.name.startsWith(other.baseName) }
            owners.max { other -> other.baseName.size() } == video
        }
        if (found.size() != 1) {
            def what = found ? "several pose files start with its name (${found*.name.join(', ')})" : "no pose file named ${video.baseName}*.h5"
            error("${video}: ${what} in ${poseInput}; keep exactly one per video")
        }
        [[id: video.baseName, experiment: name, colours: colours], video, found[0]]
    }
}

workflow PIPELINE_INITIALISATION {

    take:
    input           // string: folder, s3:// prefix or samplesheet .csv
    experiment      // string or null: experiment name for the summary
    validate_params // boolean: check params against nextflow_schema.json
    arena           // string: split (crop + pose) or open (--pose_input's tracks)
    pose_input      // string or null: --arena open: folder or s3:// prefix of tracks
    colours         // string or null: --arena open: the mice's fur colours

    main:
    if (validate_params) {
        nfSchema().validateParameters()
        log.info(nfSchema().paramsSummaryLog(workflow))
    }

    def name = experimentName(input, experiment)

    ch_arenas = channel.empty()
    if (arena == 'open') {
        ch_raw = channel.empty()
        ch_arenas = channel.fromList(openArenas(input, pose_input, colours, name))
    }
    else if (input.toString().endsWith('.csv')) {
        if (!validate_params) {
            error("--input ${input}: a samplesheet is read and checked by the nf-schema plugin, " +
                "which --validate_params false leaves out; give a folder of videos instead")
        }
        ch_raw = channel
            .fromList(nfSchema().samplesheetToList(input, "${projectDir}/assets/schema_input.json"))
            .map { meta, video, metadata ->
                [meta + [experiment: meta.experiment ?: name], video, metadata]
            }
    }
    else {
        def prefix = inputPrefix(input)
        ch_videos = channel
            .fromPath(videoGlob(prefix), checkIfExists: true)
            .map { video -> [video.baseName, video] }
        ch_txts = channel
            .fromPath("${prefix}/*.txt")
            .map { txt -> [txt.baseName, txt] }
        // A video without its TXT is an error; a TXT without a video is ignored.
        ch_raw = ch_videos
            .join(ch_txts, remainder: true)
            .filter { _id, video, _txt -> video != null }
            .map { id, video, txt ->
                if (txt == null) {
                    error("${video}: no metadata file ${id}.txt beside it in ${input}")
                }
                [[id: id, experiment: name], video, txt]
            }
    }

    emit:
    raw    = ch_raw    // channel: [ val(meta), path(video), path(metadata) ]
    arenas = ch_arenas // channel: [ val(meta), path(video), path(pose) ] (--arena open)
}
